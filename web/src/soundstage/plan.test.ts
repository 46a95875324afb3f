import { describe, expect, it } from "vitest";
import type { MediaRef } from "../pickers/media";
import { EMPTY_STAGE, moveItem, newShot, toAssemblyItem, totalSeconds } from "./plan";

const image = (id: string): MediaRef => ({ ref: `artifact:${id}`, kind: "image", name: id, preview: null, url: "", contentType: "image/png" });
const clip: MediaRef = { ref: "upload:C", kind: "video", name: "c.mp4", preview: null, url: "", contentType: "video/mp4" };

describe("moveItem", () => {
  it("moves one entry and clamps the target", () => {
    expect(moveItem(["a", "b", "c"], 0, 2)).toEqual(["b", "c", "a"]);
    expect(moveItem(["a", "b", "c"], 2, 0)).toEqual(["c", "a", "b"]);
    expect(moveItem(["a", "b", "c"], 1, 9)).toEqual(["a", "c", "b"]);
    expect(moveItem(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
  });
});

describe("the assembly item", () => {
  it("turns shots, music, narration and subtitles into the request", () => {
    const first = { ...newShot(image("A")), narration: " Hello. ", duration: "2" };
    const last = { ...newShot(clip), duration: "1.5", transition: "crossfade" as const };
    const item = toAssemblyItem({
      ...EMPTY_STAGE,
      shots: [first, last],
      music: { ref: "upload:M", kind: "audio", name: "m.wav", preview: null, url: "", contentType: "audio/wav" },
      musicVolume: 0.5,
      voice: "en-us+m3",
      burn: true,
      size: "320x180",
      fps: "12",
    });
    expect(item).toEqual({
      shots: [
        { image: "artifact:A", duration: 2, motion: { start_zoom: 1.0, end_zoom: 1.25 }, transition: { kind: "crossfade", duration: 0.5 }, narration: "Hello." },
        { clip: "upload:C", duration: 1.5, fit: "loop" }, // the last shot hands over to nothing
      ],
      width: 320, height: 180, fps: 12,
      music: { path: "upload:M", volume: 0.5 },
      narration: { voice: "en-us+m3" },
      subtitles: { srt: true, burn: true },
    });
  });

  it("knows the total length while every shot has a duration", () => {
    const shots = [newShot(image("A")), newShot(image("B")), { ...newShot(image("C")), transition: "cut" as const }];
    expect(totalSeconds({ ...EMPTY_STAGE, shots })).toBe(3 * 3 - 2 * 0.5);
    expect(totalSeconds({ ...EMPTY_STAGE, shots: [newShot(clip)] })).toBeNull();
  });
});

describe("dropIndex", () => {
  it("puts a dragged row after every other row whose middle it passed", async () => {
    const { dropIndex } = await import("./ShotList");
    const middles = [10, 30, 50];
    expect(dropIndex(middles, 2, 20)).toBe(1); // the last row, up between the first two
    expect(dropIndex(middles, 2, 5)).toBe(0);
    expect(dropIndex(middles, 0, 40)).toBe(1); // the first row, down past the second
    expect(dropIndex(middles, 0, 60)).toBe(2);
    expect(dropIndex(middles, 1, 25)).toBe(1); // not far enough to move
  });
});
