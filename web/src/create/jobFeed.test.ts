import { describe, expect, it } from "vitest";
import { applyMessage, EMPTY_LIVE, type FeedMessage } from "./jobFeed";

const message = (type: string, data: Record<string, unknown>, id: number | null = 1): FeedMessage => ({
  id,
  job_id: "J1",
  type,
  data,
});

describe("applyMessage", () => {
  it("keeps each item's latest preview and the step", () => {
    let live = applyMessage(
      EMPTY_LIVE,
      message("item.preview", { step: 1, steps: 4, previews: [{ index: 0, image: "data:image/webp;base64,AA" }] }),
    );
    live = applyMessage(
      live,
      message("item.preview", { step: 2, steps: 4, previews: [{ index: 0, image: "data:image/webp;base64,BB" }] }, 2),
    );
    expect(live.previews).toEqual({ 0: "data:image/webp;base64,BB" });
    expect(live).toMatchObject({ step: 2, steps: 4, lastEventId: 2 });
  });

  it("refuses previews that are not images", () => {
    const live = applyMessage(
      EMPTY_LIVE,
      message("item.preview", { step: 1, steps: 2, previews: [{ index: 0, image: "javascript:alert(1)" }] }),
    );
    expect(live.previews).toEqual({});
  });

  it("records finished and failed items once", () => {
    let live = applyMessage(EMPTY_LIVE, message("item.state", { index: 2, state: "done", artifact_id: "A" }));
    live = applyMessage(live, message("item.state", { index: 2, state: "done" }));
    live = applyMessage(live, message("item.state", { index: 3, state: "failed", error: "out of memory" }));
    live = applyMessage(live, message("item.state", { index: 4, state: "running" }));
    expect(live.done).toEqual([2]);
    expect(live.failed).toEqual({ 3: "out of memory" });
  });

  it("follows the job's state and the end of the subscription", () => {
    let live = applyMessage(EMPTY_LIVE, message("job.state", { state: "running" }));
    expect(live.state).toBe("running");
    live = applyMessage(live, message("ws.end", { reason: "error", after: 5 }, null));
    expect(live.ended).toBe(false);
    live = applyMessage(live, message("ws.end", { reason: "finished", state: "completed" }, null));
    expect(live).toMatchObject({ ended: true, state: "completed", lastEventId: 1 });
  });
});
