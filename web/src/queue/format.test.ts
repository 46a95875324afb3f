import { describe, expect, it } from "vitest";
import { etaSeconds, formatAge, formatCounts, formatDuration, formatEta, jobTitle, progressPercent } from "./format";
import { makeJob } from "./testing";

const START = Date.parse("2025-01-01T12:00:10Z");

describe("progressPercent", () => {
  it("rounds down, so 100 only when the job is through", () => {
    expect(progressPercent({ progress: 0.996, state: "running" })).toBe(99);
    expect(progressPercent({ progress: 0.34, state: "running" })).toBe(34);
    expect(progressPercent({ progress: 1, state: "running" })).toBe(100);
    expect(progressPercent({ progress: 0.58, state: "completed" })).toBe(100);
  });

  it("keeps to 0..100 whatever it is given", () => {
    expect(progressPercent({ progress: -0.2, state: "running" })).toBe(0);
    expect(progressPercent({ progress: 7, state: "running" })).toBe(100);
    expect(progressPercent({ progress: Number.NaN, state: "queued" })).toBe(0);
    expect(progressPercent({ progress: 0.29, state: "running" })).toBe(29); // 0.29 * 100 = 28.999999999999996
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [44.6, "45 s"],
    [65, "1 min 5 s"],
    [600, "10 min"],
    [754, "12 min"],
    [3600, "1 h"],
    [8040, "2 h 14 min"],
    [-3, "0 s"],
  ])("%s s reads %s", (seconds, words) => {
    expect(formatDuration(seconds)).toBe(words);
  });
});

describe("etaSeconds", () => {
  it("takes the server's figure when the job view has one", () => {
    expect(etaSeconds(makeJob({ eta_seconds: 42 }), START + 1000)).toBe(42);
  });

  it("works the rate out from the summary otherwise", () => {
    // 20 of 50 items' work in 60 s (none canceled): 30 left at 3 s each
    const job = makeJob({ progress: 0.4 });
    expect(etaSeconds(job, START + 60_000)).toBeCloseTo(90);
  });

  it("does not count canceled items as work left", () => {
    const job = makeJob({ progress: 0.4, counts: { pending: 0, running: 0, done: 20, failed: 0, canceled: 30 } });
    expect(etaSeconds(job, START + 60_000)).toBe(0);
  });

  it("is unknown before any work is done, and zero once the job is final", () => {
    expect(etaSeconds(makeJob({ progress: 0 }), START + 60_000)).toBeNull();
    expect(etaSeconds(makeJob({ state: "queued", started_at: null, progress: 0 }), START)).toBeNull();
    expect(etaSeconds(makeJob({ state: "completed", progress: 1 }), START)).toBe(0);
  });
});

describe("formatEta", () => {
  it("says what is known", () => {
    expect(formatEta(makeJob({ eta_seconds: 125 }), START)).toBe("about 2 min 5 s left");
    expect(formatEta(makeJob({ state: "queued", started_at: null, progress: 0 }), START)).toBe("waiting to start");
    expect(formatEta(makeJob({ progress: 0 }), START + 5000)).toBe("estimating…");
    expect(formatEta(makeJob({ eta_seconds: 0.2 }), START)).toBe("finishing");
    expect(formatEta(makeJob({ state: "canceled" }), START)).toBe("");
  });
});

describe("formatCounts", () => {
  it("always says done, and failed or canceled when there are any", () => {
    expect(formatCounts(makeJob())).toBe("15 of 50 done · 1 failed");
    const counts = { pending: 0, running: 0, done: 50, failed: 0, canceled: 0 };
    expect(formatCounts(makeJob({ counts }))).toBe("50 of 50 done");
    expect(formatCounts(makeJob({ counts: { ...counts, done: 10, canceled: 40 } }))).toBe("10 of 50 done · 40 canceled");
  });
});

describe("names", () => {
  it("titles a job by what it makes", () => {
    expect(jobTitle({ kind: "images", total: 1 })).toBe("1 image");
    expect(jobTitle({ kind: "images", total: 50 })).toBe("50 images");
    expect(jobTitle({ kind: "video", total: 3 })).toBe("3 video items");
  });

  it("ages coarsely", () => {
    const created = "2025-01-01T12:00:00Z";
    const at = Date.parse(created);
    expect(formatAge(created, at + 10_000)).toBe("just now");
    expect(formatAge(created, at + 5 * 60_000)).toBe("5 min ago");
    expect(formatAge(created, at + 3 * 3600_000)).toBe("3 h ago");
  });
});
