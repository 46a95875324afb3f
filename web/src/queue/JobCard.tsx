import { Link } from "wouter";
import { formatAge, formatCounts, formatEta, jobTitle, shortId } from "./format";
import { JobActions } from "./JobActions";
import { PriorityField } from "./PriorityField";
import { ProgressBar } from "./ProgressBar";
import type { useJobActions } from "./queries";
import { StateBadge } from "./StateBadge";
import type { Job } from "./types";

interface Props {
  job: Job;
  now: number;
  actions: ReturnType<typeof useJobActions>;
}

/** One job in the queue: a row on a wide screen, a card on a phone. */
export function JobCard({ job, now, actions }: Props) {
  const title = jobTitle(job);
  const titleId = `job-${job.id}-title`;
  const eta = formatEta(job, now);
  return (
    <li className="job-card" data-job-id={job.id} data-state={job.state} aria-labelledby={titleId}>
      <div className="job-head">
        <Link href={`/queue/${job.id}`} className="job-title" id={titleId}>
          {title}
        </Link>
        <span className="job-sub muted">
          <span title={job.id}>{shortId(job.id)}</span> · {formatAge(job.created_at, now)}
        </span>
        <StateBadge state={job.state} />
      </div>
      <div className="job-body">
        <ProgressBar job={job} label={`Progress of job ${shortId(job.id)}`} />
        <div className="job-meta">
          <span className="job-counts">{formatCounts(job)}</span>
          {eta !== "" && <span className="job-eta muted">{eta}</span>}
          {job.error !== null && <span className="field-error">{job.error}</span>}
        </div>
      </div>
      <div className="job-controls">
        <PriorityField job={job} onChange={(value) => actions.priority.mutateAsync({ job, value })} />
        <JobActions job={job} actions={actions} />
      </div>
    </li>
  );
}
