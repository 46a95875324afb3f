import { describe, expect, it } from "vitest";
import { dropJob, flattenJobs, mergeJob } from "./cache";
import { makeJob, pagesOf } from "./testing";

const a = makeJob({ id: "A" });
const b = makeJob({ id: "B" });
const c = makeJob({ id: "C" });

describe("flattenJobs", () => {
  it("lists every page's jobs in order", () => {
    expect(flattenJobs(pagesOf([a, b], [c])).map((job) => job.id)).toEqual(["A", "B", "C"]);
    expect(flattenJobs(undefined)).toEqual([]);
  });

  it("shows a job that moved across a page boundary once, where it was seen first", () => {
    // a new job pushed B onto the next page between the two page fetches
    const fresh = makeJob({ id: "B", progress: 0.9 });
    const jobs = flattenJobs(pagesOf([a, fresh], [b, c]));
    expect(jobs.map((job) => job.id)).toEqual(["A", "B", "C"]);
    expect(jobs[1]?.progress).toBe(0.9);
  });

  it("leaves out jobs whose delete waits out its undo", () => {
    expect(flattenJobs(pagesOf([a, b], [c]), new Set(["B"])).map((job) => job.id)).toEqual(["A", "C"]);
  });
});

describe("mergeJob", () => {
  it("puts a fresher view over the job's entry, keeping what the view lacks", () => {
    const pages = pagesOf([a, b], [c]);
    const view = { ...c, progress: 1, state: "completed", eta_seconds: 0 };
    const merged = mergeJob(pages, view);
    const job = flattenJobs(merged).find((entry) => entry.id === "C");
    expect(job).toMatchObject({ progress: 1, state: "completed", eta_seconds: 0, links: c.links });
    expect(merged?.pages[0]).toBe(pages.pages[0]); // untouched pages keep their identity
    expect(pages.pages[1]?.data[0]?.state).toBe("running"); // the cache's old data is not mutated
  });

  it("returns the same pages when none holds the job (a job of an unloaded page)", () => {
    const pages = pagesOf([a]);
    expect(mergeJob(pages, makeJob({ id: "Z" }))).toBe(pages);
    expect(mergeJob(undefined, a)).toBeUndefined();
  });
});

describe("dropJob", () => {
  it("removes the job from whichever page holds it", () => {
    expect(flattenJobs(dropJob(pagesOf([a, b], [c]), "C")).map((job) => job.id)).toEqual(["A", "B"]);
    const pages = pagesOf([a]);
    expect(dropJob(pages, "Z")).toBe(pages);
  });
});
