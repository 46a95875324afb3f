// Jobs for the queue's unit tests.
import type { JobList } from "./types";
import type { Job } from "./types";
import type { JobPages } from "./cache";

export function makeJob(overrides: Partial<Job> = {}): Job {
  const id = overrides.id ?? "01J00000000000000000ABCDEF";
  return {
    id,
    kind: "images",
    state: "running",
    priority: 0,
    total: 50,
    counts: { pending: 30, running: 4, done: 15, failed: 1, canceled: 0 },
    progress: 0.34,
    created_at: "2025-01-01T12:00:00Z",
    started_at: "2025-01-01T12:00:10Z",
    finished_at: null,
    error: null,
    links: {
      self: `/v1/jobs/${id}`,
      events: `/v1/jobs/${id}/events`,
      items: `/v1/jobs/${id}/items`,
      artifacts: `/v1/jobs/${id}/artifacts`,
      zip: `/v1/jobs/${id}/zip`,
      cancel: `/v1/jobs/${id}/cancel`,
    },
    ...overrides,
  };
}

export function pagesOf(...pages: Job[][]): JobPages {
  const lists: JobList[] = pages.map((data, index) => ({
    data,
    next: index < pages.length - 1 ? (data[data.length - 1]?.id ?? null) : null,
  }));
  return { pages: lists, pageParams: lists.map((_, index) => (index === 0 ? null : lists[index - 1]?.next)) };
}
