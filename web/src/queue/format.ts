// How the queue says progress, time and counts: pure functions, so the words are tested apart from the page.
import type { Job, JobSummary } from "./types";
import { isActive } from "./types";

/** The job's progress as a whole percent, 0..100. Rounded down, so 100 means every item is finished: a job at
 * 99.6% still reads 99. */
export function progressPercent(job: Pick<JobSummary, "progress" | "state">): number {
  if (job.state === "completed") return 100;
  const value = Number.isFinite(job.progress) ? job.progress : 0;
  return Math.min(100, Math.max(0, Math.floor(value * 100 + 1e-9)));
}

/** A span of time in the fewest useful words: "45 s", "3 min 5 s", "2 h 14 min". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return secs > 0 && minutes < 10 ? `${minutes} min ${secs} s` : `${minutes} min`;
}

/** Seconds until the job is finished: the server's figure when the job view was fetched, otherwise the same rate
 * (work done since the start) worked out from the summary. Null while unknown. */
export function etaSeconds(job: Job, nowMs: number): number | null {
  if (!isActive(job)) return 0;
  if (typeof job.eta_seconds === "number") return job.eta_seconds;
  if (job.started_at === null || job.total <= 0) return null;
  const done = job.progress * job.total;
  const elapsed = (nowMs - Date.parse(job.started_at)) / 1000;
  if (!(done > 0) || !(elapsed > 0)) return null;
  const remaining = Math.max(job.total - job.counts.canceled - done, 0);
  return (remaining * elapsed) / done;
}

/** The ETA as the queue shows it; empty for a finished job. */
export function formatEta(job: Job, nowMs: number): string {
  if (!isActive(job)) return "";
  const eta = etaSeconds(job, nowMs);
  if (eta === null) return job.state === "queued" ? "waiting to start" : "estimating…";
  if (eta < 1) return "finishing";
  return `about ${formatDuration(eta)} left`;
}

/** "12 of 50 done · 1 failed · 3 canceled": the parts that are not zero, done always. */
export function formatCounts(job: Pick<JobSummary, "counts" | "total">): string {
  const { done, failed, canceled } = job.counts;
  const parts = [`${done} of ${job.total} done`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (canceled > 0) parts.push(`${canceled} canceled`);
  return parts.join(" · ");
}

/** How long ago an ISO time was, coarsely: "just now", "5 min ago", "3 h ago", then the date. */
export function formatAge(iso: string, nowMs: number): string {
  const seconds = (nowMs - Date.parse(iso)) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

const STATE_WORDS: Record<string, string> = {
  queued: "Queued",
  pending: "Pending",
  done: "Done",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  canceled: "Canceled",
};

export function stateLabel(state: string): string {
  return STATE_WORDS[state] ?? state;
}

/** A job's short name for headings and accessible names: "50 images" (or "3 video items"), then its id. */
export function jobTitle(job: Pick<JobSummary, "kind" | "total">): string {
  if (job.kind === "images") return job.total === 1 ? "1 image" : `${job.total} images`;
  return `${job.total} ${job.kind} item${job.total === 1 ? "" : "s"}`;
}

/** The end of a job's id, enough to tell a user's jobs apart in names and labels. */
export function shortId(id: string): string {
  return id.slice(-6);
}
