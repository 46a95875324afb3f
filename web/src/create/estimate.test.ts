import { describe, expect, it } from "vitest";
import { describeEstimate, formatDuration } from "./estimate";

describe("estimate in words", () => {
  it("formats durations", () => {
    expect(formatDuration(0.2)).toBe("1 s");
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(200)).toBe("about 3 min");
    expect(formatDuration(7800)).toBe("about 2 h 10 min");
    expect(formatDuration(7200)).toBe("about 2 h");
  });

  it("says unknown until there is a rate", () => {
    const base = { seconds_per_image: null, basis: "", queue_ahead_items: 0 };
    expect(describeEstimate({ ...base, items: 50, generated: 50, batches: 7, seconds: null })).toBe(
      "50 images in 7 batches · time unknown (no recent rate yet)",
    );
    expect(describeEstimate({ ...base, items: 1, generated: 1, batches: 1, seconds: 12 })).toBe("1 image in 1 batch · 12 s");
  });
});
