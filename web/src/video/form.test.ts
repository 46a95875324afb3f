import { describe, expect, it } from "vitest";
import { EMPTY_FORM, toVideoItem } from "./form";

describe("the video job item", () => {
  it("sends only what is set, and frames or duration by the length's unit", () => {
    expect(toVideoItem({ ...EMPTY_FORM, prompt: "  a boat " }, "ltx")).toEqual({ prompt: "a boat" });
    const still = { ref: "artifact:A1", kind: "image" as const, name: "x", preview: null, url: "/x", contentType: "image/png" };
    const item = toVideoItem(
      { ...EMPTY_FORM, still, model: "tiny-ltx", lengthUnit: "frames", length: "9", fps: "8", loop: "crossfade", loopFrames: "2", smooth: 0.5 },
      "tiny-ltx",
    );
    expect(item).toEqual({
      model: "tiny-ltx", image: "artifact:A1", frames: 9, fps: 8, loop: "crossfade", loop_frames: 2,
      enhance: { smooth: 0.5, sharpen: 0 },
    });
    expect(toVideoItem({ ...EMPTY_FORM, length: "2.5", loop: "pingpong", loopFrames: "3", format: "webm" }, "ltx")).toEqual({
      duration: 2.5, loop: "pingpong", format: "webm",
    });
  });

  it("sends SVD's motion bucket and noise augmentation only to an SVD model", () => {
    const form = { ...EMPTY_FORM, motionBucket: "127", noiseAug: "0.02" };
    expect(toVideoItem(form, "svd")).toEqual({ motion_bucket_id: 127, noise_aug_strength: 0.02 });
    expect(toVideoItem(form, "ltx")).toEqual({});
  });
});
