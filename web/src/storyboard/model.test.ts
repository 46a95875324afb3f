import { describe, expect, it } from "vitest";
import { errorPlace } from "./errors";
import {
  addScene,
  duplicateScene,
  emptyScene,
  emptyStoryboard,
  fromManifest,
  moveScene,
  removeScene,
  sceneFromManifest,
  toManifest,
  ManifestError,
} from "./model";
import { describeCounts } from "./RenderPanel";

const MANIFEST = {
  title: "The Keeper",
  defaults: {
    model: "tiny-sd",
    width: 64,
    height: 64,
    steps: 2,
    fps: 12,
    resolution: "320x180",
    duration: 1.0,
    video_model: "tiny-ltx",
    transition: { kind: "crossfade", duration: 0.25 },
    seed: 7,
  },
  subtitles: "burned",
  scenes: [
    { id: "harbour", prompt: "a harbour at dawn", narration: "Every morning.", duration: "fit" },
    {
      id: "storm",
      prompt: "a storm",
      shot: {
        kind: "ken_burns",
        zoom: [1.0, 1.4],
        pan: [
          [0.3, 0.5],
          [0.7, 0.5],
        ],
      },
      transition: "cut",
    },
    { id: "ship", prompt: "a ship", shot: { kind: "image_to_video", frames: 9, steps: 2, fit: "loop" }, duration: 1.5 },
    {
      id: "lamp",
      prompt: "a lamp",
      seed: 3,
      shot: { kind: "animation", frames: 6, zoom: "0:(1.03)", prompts: { 0: "a lamp" } },
    },
  ],
};

describe("the manifest", () => {
  it("comes back as it went in, fields the editor does not show included", () => {
    expect(toManifest(fromManifest(MANIFEST))).toEqual(MANIFEST);
  });

  it("keeps each shot kind's options when the kind is switched away and back", () => {
    const scene = sceneFromManifest(MANIFEST.scenes[1], 1);
    const still = { ...scene, shotKind: "still" as const };
    expect(toManifest({ ...emptyStoryboard(), scenes: [still] }).scenes).toEqual([
      { id: "storm", prompt: "a storm", transition: "cut" },
    ]);
    expect(toManifest({ ...emptyStoryboard(), scenes: [{ ...still, shotKind: "ken_burns" }] }).scenes).toEqual([
      MANIFEST.scenes[1],
    ]);
  });

  it("sends a number field that is not a number as typed, for the API to name", () => {
    const board = emptyStoryboard();
    board.defaults.fps = "fast";
    board.scenes = [{ ...emptyScene("scene-1"), prompt: "x", durationMode: "seconds", seconds: "2" }];
    const manifest = toManifest(board);
    expect(manifest.defaults).toEqual({ fps: "fast" });
    expect(manifest.scenes).toEqual([{ id: "scene-1", prompt: "x", duration: 2 }]);
  });

  it("refuses a file that is no storyboard, naming what is wrong", () => {
    expect(() => fromManifest({ title: "x" })).toThrow(ManifestError);
    expect(() => fromManifest({ scenes: [{ id: "a", prompt: "b", shot: { kind: "zoom" } }] })).toThrow(
      /scenes\.0\.shot\.kind/,
    );
  });
});

describe("the scene list", () => {
  const three = addScene(addScene(emptyStoryboard().scenes));

  it("adds scenes with free ids and duplicates next to the original", () => {
    expect(three.map((s) => s.id)).toEqual(["scene-1", "scene-2", "scene-3"]);
    const copied = duplicateScene(three, 0);
    expect(copied.map((s) => s.id)).toEqual(["scene-1", "scene-1-copy", "scene-2", "scene-3"]);
    expect(new Set(copied.map((s) => s.uid)).size).toBe(4);
    expect(duplicateScene(copied, 0).map((s) => s.id)[1]).toBe("scene-1-copy-2");
  });

  it("moves and removes", () => {
    expect(moveScene(three, 0, 2).map((s) => s.id)).toEqual(["scene-2", "scene-3", "scene-1"]);
    expect(moveScene(three, 2, -5).map((s) => s.id)).toEqual(["scene-3", "scene-1", "scene-2"]);
    expect(removeScene(three, 1).map((s) => s.id)).toEqual(["scene-1", "scene-3"]);
  });
});

describe("errors from the API", () => {
  it("land on the scene and field they name", () => {
    expect(errorPlace("items.0.scenes.2.prompt")).toEqual({ kind: "scene", index: 2, slot: "prompt", detail: "" });
    expect(errorPlace("items.0.scenes.1.shot.ken_burns.zoom.0")).toEqual({
      kind: "scene",
      index: 1,
      slot: "shot",
      detail: "zoom.0",
    });
    expect(errorPlace("items.0.scenes.1.seed")).toEqual({ kind: "scene", index: 1, slot: "scene", detail: "seed" });
    expect(errorPlace("items.0.scenes")).toEqual({ kind: "general" });
    expect(errorPlace("items.0.defaults.model")).toEqual({ kind: "defaults", field: "model" });
    expect(errorPlace("items.0.music")).toEqual({ kind: "board", field: "music" });
    expect(errorPlace(null)).toEqual({ kind: "general" });
  });
});

describe("the render's report", () => {
  it("says what was made and reused in words", () => {
    expect(describeCounts({ image: 1, motion: 0, narration: 0, final: 1 })).toBe("1 image and 1 final cut");
    expect(describeCounts({ image: 2, motion: 1, narration: 1, final: 0 })).toBe(
      "2 images, 1 motion clip and 1 narration line",
    );
    expect(describeCounts({ image: 0, motion: 0, narration: 0, final: 0 })).toBe("nothing");
  });
});
