// The queue's view of the jobs API: the generated schema's types (`npm run api`), and the queue's own.
import type { components } from "../api/schema";

type Schemas = components["schemas"];

export type JobSummary = Schemas["JobSummary"];
export type JobList = Schemas["JobList"];
export type ItemView = Schemas["ItemView"];
export type ItemList = Schemas["ItemList"];
export type ArtifactView = Schemas["ArtifactView"];
export type PlannedImage = Schemas["PlannedImage"];

export type JobView = Schemas["JobView"];

/** A job as the queue holds it: a list summary, or the fuller view once fetched. */
export type Job = JobSummary & Partial<Pick<JobView, "eta_seconds" | "elapsed_seconds" | "errors" | "grid" | "warning">>;

export type JobState = "queued" | "running" | "completed" | "failed" | "canceled";

export const FINAL_STATES: ReadonlySet<string> = new Set(["completed", "failed", "canceled"]);

/** Whether the job may still change by itself (its items are queued or running). */
export function isActive(job: Pick<JobSummary, "state">): boolean {
  return !FINAL_STATES.has(job.state);
}

/** Priorities as the API takes them (`JobOptions.priority`): higher runs first. */
export const MIN_PRIORITY = -10;
export const MAX_PRIORITY = 10;
