// The job list as TanStack Query caches it (pages of `GET /v1/jobs`, newest first) and the pure edits the queue
// makes to it: a fresher job view merged in, the pages flattened for display.
import type { InfiniteData } from "@tanstack/react-query";
import type { Job, JobList } from "./types";

export type JobPages = InfiniteData<JobList>;

/** The jobs of every loaded page, newest first, each once (a job that moved across a page boundary between two
 * page fetches shows where it was seen first), less those `hidden` (deleted, waiting for their undo to lapse). */
export function flattenJobs(data: JobPages | undefined, hidden: ReadonlySet<string> = new Set()): Job[] {
  if (data === undefined) return [];
  const seen = new Set<string>();
  const jobs: Job[] = [];
  for (const page of data.pages) {
    for (const job of page.data) {
      if (seen.has(job.id) || hidden.has(job.id)) continue;
      seen.add(job.id);
      jobs.push(job);
    }
  }
  return jobs;
}

/** The pages with `job` merged over the entry of the same id (fields it lacks are kept); the same object when
 * no page holds it, so an unchanged cache does not re-render. */
export function mergeJob(data: JobPages | undefined, job: Job): JobPages | undefined {
  if (data === undefined) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    const index = page.data.findIndex((entry) => entry.id === job.id);
    if (index < 0) return page;
    changed = true;
    const jobs = page.data.slice();
    jobs[index] = { ...jobs[index], ...job } as Job;
    return { ...page, data: jobs };
  });
  return changed ? { ...data, pages } : data;
}

/** The pages without the job of `id`. */
export function dropJob(data: JobPages | undefined, id: string): JobPages | undefined {
  if (data === undefined) return data;
  if (!data.pages.some((page) => page.data.some((job) => job.id === id))) return data;
  return { ...data, pages: data.pages.map((page) => ({ ...page, data: page.data.filter((job) => job.id !== id) })) };
}
