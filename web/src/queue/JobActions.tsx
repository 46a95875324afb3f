import { zipUrl } from "./api";
import { shortId } from "./format";
import type { useJobActions } from "./queries";
import { isActive, type Job } from "./types";

type Actions = ReturnType<typeof useJobActions>;

/** Cancel (always there while the job runs), retry, the ZIP and delete. Each name says which job it acts on. */
export function JobActions({ job, actions, onDeleted }: { job: Job; actions: Actions; onDeleted?: () => void }) {
  const which = `job ${shortId(job.id)}`;
  const retryable = job.counts.failed + job.counts.canceled > 0 && job.state !== "queued";
  return (
    <div className="job-actions">
      {isActive(job) && (
        <button type="button" className="danger" aria-label={`Cancel ${which}`} onClick={() => actions.cancel.mutate(job)}>
          Cancel
        </button>
      )}
      {retryable && (
        <button type="button" aria-label={`Retry ${which}`} onClick={() => actions.retry.mutate(job)}>
          Retry
        </button>
      )}
      {job.counts.done > 0 && (
        <a className="button-link" href={zipUrl(job.id)} download aria-label={`Download ZIP of ${which}`}>
          Download ZIP
        </a>
      )}
      <button
        type="button"
        aria-label={`Delete ${which}`}
        onClick={() => {
          actions.remove(job);
          onDeleted?.();
        }}
      >
        Delete
      </button>
    </div>
  );
}
