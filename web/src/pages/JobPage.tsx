// `/queue/:jobId`: one job, live: its progress and actions, errors, settings, items with their results, and a
// grid job's grid image. Another key's job (or a deleted one) is "not found", as the API says.
import { Link, useLocation } from "wouter";
import { ApiError } from "../api/client";
import { artifactUrl } from "../queue/api";
import { formatCounts, formatDuration, formatEta, jobTitle, shortId } from "../queue/format";
import { ItemsSection } from "../queue/ItemsSection";
import { JobActions } from "../queue/JobActions";
import { JobSettings } from "../queue/JobSettings";
import { PriorityField } from "../queue/PriorityField";
import { ProgressBar } from "../queue/ProgressBar";
import { useJob, useJobActions, useJobItems } from "../queue/queries";
import { StateBadge } from "../queue/StateBadge";
import { Toasts } from "../queue/Toasts";
import { isActive, type Job } from "../queue/types";
import { useLiveJobs } from "../queue/useLiveJobs";
import { useNow } from "../queue/useNow";
import "../queue/queue.css";

export function JobPage({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  const active = job.data !== undefined && isActive(job.data);
  useLiveJobs(active ? [jobId] : []);

  if (job.isPending) {
    return (
      <section className="job-page" aria-busy="true">
        <BackLink />
        <h1>Job {shortId(jobId)}</h1>
        <div className="job-card skeleton" />
      </section>
    );
  }
  if (job.isError) {
    const gone = job.error instanceof ApiError && job.error.status === 404;
    return (
      <section className="job-page">
        <BackLink />
        <h1>{gone ? "Job not found" : "Could not load the job"}</h1>
        <p className={gone ? "muted" : "field-error"} role={gone ? undefined : "alert"}>
          {gone ? "There is no such job among yours: it may have been deleted." : job.error.message}
        </p>
        <Toasts />
      </section>
    );
  }
  return <JobDetail job={job.data} />;
}

function BackLink() {
  return (
    <Link href="/queue" className="back-link">
      ← Queue
    </Link>
  );
}

function JobDetail({ job }: { job: Job }) {
  const [, navigate] = useLocation();
  const actions = useJobActions();
  const active = isActive(job);
  const now = useNow(1000, active);
  const first = useJobItems(job.id, 0, null, false).data?.data[0];
  const eta = formatEta(job, now);
  const gridArtifact = job.grid?.artifact_id ?? null;

  return (
    <section className="job-page" aria-labelledby="job-heading" data-job-id={job.id} data-state={job.state}>
      <BackLink />
      <header className="job-page-header">
        <h1 id="job-heading">{jobTitle(job)}</h1>
        <StateBadge state={job.state} />
        <span className="muted" title={job.id}>
          job {job.id}
        </span>
      </header>
      <div className="job-summary">
        <ProgressBar job={job} label={`Progress of job ${shortId(job.id)}`} />
        <p className="job-meta">
          <span>{formatCounts(job)}</span>
          {eta !== "" && <span className="muted">{eta}</span>}
          {typeof job.elapsed_seconds === "number" && (
            <span className="muted">{formatDuration(job.elapsed_seconds)} elapsed</span>
          )}
        </p>
        {job.error !== null && (
          <p className="field-error" role="alert">
            {job.error}
          </p>
        )}
        {typeof job.warning === "string" && job.warning !== "" && (
          <p className="muted" role="status">
            {job.warning}
          </p>
        )}
        <div className="job-controls">
          <PriorityField job={job} onChange={(value) => actions.priority.mutateAsync({ job, value })} />
          <JobActions job={job} actions={actions} onDeleted={() => navigate("/queue")} />
        </div>
      </div>
      {job.errors !== undefined && job.errors.length > 0 && (
        <section className="job-section" aria-labelledby="job-errors-heading">
          <h2 id="job-errors-heading">Errors</h2>
          <ul className="job-errors">
            {job.errors.map((error) => (
              <li key={error.index}>
                <span className="item-index">#{error.index}</span> {error.error ?? "failed"}
              </li>
            ))}
          </ul>
          {job.counts.failed > job.errors.length && (
            <p className="muted">The first {job.errors.length} of {job.counts.failed}; filter the items by Failed for all.</p>
          )}
        </section>
      )}
      {gridArtifact !== null && (
        <section className="job-section" aria-labelledby="job-grid-heading">
          <h2 id="job-grid-heading">Grid</h2>
          <a href={artifactUrl(gridArtifact)} target="_blank" rel="noreferrer">
            <img className="job-grid-image" src={artifactUrl(gridArtifact)} alt="The job's labelled grid image" />
          </a>
        </section>
      )}
      <JobSettings first={first} />
      <ItemsSection job={job} />
      <Toasts />
    </section>
  );
}
