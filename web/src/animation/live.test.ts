import { describe, expect, it } from "vitest";
import type { FeedEvent } from "../queue/live";
import { EMPTY_LIVE, liveReducer, rate, STRIP_LENGTH, type LiveState } from "./live";

const event = (type: string, data: Record<string, unknown>): FeedEvent => ({ id: 1, job_id: "j", type, data });
const frame = (n: number, seconds = 0.5) =>
  event("item.frame", { index: 0, frame: n, frames: 24, image: `data:image/webp;base64,${n}`, seconds, paused: false });

describe("liveReducer", () => {
  it("keeps the newest frames, counts them and reads the total", () => {
    let state: LiveState = EMPTY_LIVE;
    for (let n = 0; n < 20; n++) state = liveReducer(state, frame(n));
    expect(state.done).toBe(20);
    expect(state.total).toBe(24);
    expect(state.recent).toHaveLength(STRIP_LENGTH);
    expect(state.recent[STRIP_LENGTH - 1]?.frame).toBe(19);
  });

  it("is paused from a 'paused' progress report until the next frame or report", () => {
    let state = liveReducer(liveReducer(EMPTY_LIVE, frame(4)), event("item.progress", { step: 5, steps: 24, message: "paused" }));
    expect(state.paused).toBe(true);
    state = liveReducer(state, event("item.progress", { step: 5, steps: 24, message: "command refused: no" }));
    expect(state.paused).toBe(true);
    state = liveReducer(state, event("item.progress", { step: 5, steps: 24, message: "resumed" }));
    expect(state.paused).toBe(false);
    expect(liveReducer(state, null)).toEqual(EMPTY_LIVE);
  });
});

describe("rate", () => {
  it("gives fps from the frames' own seconds and the time left at that rate", () => {
    const state = [frame(0, 0.5), frame(1, 1.5)].reduce(liveReducer, EMPTY_LIVE);
    expect(rate(state)).toEqual({ fps: 1, etaSeconds: 22 });
    expect(rate(EMPTY_LIVE)).toEqual({ fps: null, etaSeconds: null });
  });
});
