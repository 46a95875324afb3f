import { progressPercent } from "./format";
import type { Job } from "./types";

/** The job's progress as a bar with its percent; `aria-valuenow` is the whole percent shown. */
export function ProgressBar({ job, label }: { job: Pick<Job, "progress" | "state">; label: string }) {
  const percent = progressPercent(job);
  return (
    <div className="job-progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%`}
        data-state={job.state}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-percent" aria-hidden="true">
        {percent}%
      </span>
    </div>
  );
}
