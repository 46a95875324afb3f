// One motion job followed live: its progress bar, state and ETA (the queue's job query, refetched on its events
// over the shared WebSocket), why it failed, and once it is done its results for the caller to show.
//
//   <JobRun jobId={id} label="Video">{(results) => <video src={results[0].url} … />}</JobRun>
import type { ReactNode } from "react";
import { Link } from "wouter";
import { formatDuration } from "../queue/format";
import { ProgressBar } from "../queue/ProgressBar";
import { useJob } from "../queue/queries";
import { isActive } from "../queue/types";
import { useLiveJobs } from "../queue/useLiveJobs";
import { useJobResults, type JobResult } from "./queries";
import "../queue/queue.css";

interface Props {
  jobId: string;
  /** What the job makes, for the progress bar's label ("Video", "Final cut"). */
  label: string;
  children: (results: JobResult[]) => ReactNode;
}

export function JobRun({ jobId, label, children }: Props) {
  const job = useJob(jobId);
  const view = job.data;
  useLiveJobs(view && isActive(view) ? [jobId] : []);
  const done = view?.state === "completed";
  const results = useJobResults(jobId, done);
  if (job.isError) {
    return (
      <p className="field-error" role="alert">
        {job.error.message}
      </p>
    );
  }
  if (view === undefined) return <p className="muted">Loading the job…</p>;
  const eta = typeof view.eta_seconds === "number" && isActive(view) ? ` · about ${formatDuration(view.eta_seconds)} left` : "";
  return (
    <section className="job-run" aria-label={`${label} job`}>
      <div className="job-run-head">
        <ProgressBar job={view} label={`${label} progress`} />
        <span className="muted" role="status">
          {stateWords(view.state)}
          {eta}
        </span>
        <Link href={`/queue/${jobId}`}>Job {jobId.slice(-6)}</Link>
      </div>
      {view.warning && <p className="muted">{view.warning}</p>}
      {view.state === "failed" && (
        <p className="field-error" role="alert">
          {view.error ?? view.errors[0]?.error ?? "The job failed"}
        </p>
      )}
      {done && results.isSuccess && children(results.data)}
      {results.isError && (
        <p className="field-error" role="alert">
          {results.error.message}
        </p>
      )}
    </section>
  );
}

function stateWords(state: string): string {
  switch (state) {
    case "queued":
      return "Waiting in the queue";
    case "running":
      return "Working";
    case "completed":
      return "Done";
    case "canceled":
      return "Canceled";
    case "failed":
      return "Failed";
    default:
      return state;
  }
}
