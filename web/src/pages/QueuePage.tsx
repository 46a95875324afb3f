// `/queue`: my jobs, newest first, live. The server is the truth: the list is its pages, refreshed by the jobs'
// live events and a short refetch; nothing here outlives a reload but a delete still waiting out its undo.
import { useSyncExternalStore } from "react";
import { Link } from "wouter";
import { flattenJobs } from "../queue/cache";
import { JobCard } from "../queue/JobCard";
import { useJobActions, useJobList } from "../queue/queries";
import { pendingDeletes } from "../queue/stores";
import { Toasts } from "../queue/Toasts";
import { isActive } from "../queue/types";
import { useLiveJobs } from "../queue/useLiveJobs";
import { useNow } from "../queue/useNow";
import "../queue/queue.css";

export function QueuePage() {
  const list = useJobList();
  const hidden = useSyncExternalStore(pendingDeletes.subscribe, pendingDeletes.snapshot, pendingDeletes.snapshot);
  const jobs = flattenJobs(list.data, hidden);
  const active = jobs.filter(isActive);
  const actions = useJobActions();
  const now = useNow(1000, active.length > 0);
  useLiveJobs(active.map((job) => job.id));

  const running = active.filter((job) => job.state === "running").length;
  const queued = active.length - running;

  return (
    <section className="queue-page" aria-labelledby="queue-heading">
      <header className="queue-header">
        <h1 id="queue-heading">Queue</h1>
        {active.length > 0 && (
          <p className="muted">
            yours: {running} running · {queued} queued
          </p>
        )}
      </header>
      {list.isPending && <QueueSkeleton />}
      {list.isError && (
        <p className="field-error" role="alert">
          Could not load the queue: {list.error.message}{" "}
          <button type="button" onClick={() => void list.refetch()}>
            Try again
          </button>
        </p>
      )}
      {list.isSuccess && jobs.length === 0 && (
        <p className="queue-empty">
          No jobs yet. <Link href="/">Create some images</Link> and they will show here.
        </p>
      )}
      {jobs.length > 0 && (
        <ul className="job-list" aria-label="Jobs, newest first">
          {jobs.map((job) => (
            <JobCard key={job.id} job={job} now={now} actions={actions} />
          ))}
        </ul>
      )}
      {list.hasNextPage && (
        <button
          type="button"
          className="load-more"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load older jobs"}
        </button>
      )}
      <Toasts />
    </section>
  );
}

function QueueSkeleton() {
  return (
    <ul className="job-list" aria-hidden="true">
      {[0, 1, 2].map((row) => (
        <li key={row} className="job-card skeleton" />
      ))}
    </ul>
  );
}
