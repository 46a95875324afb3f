// The top bar's status line: "● 2 running · 14 queued" (images), live. The dot says whether any worker is alive.
import { Link } from "wouter";
import { useServiceStatus } from "./status";
import "./status.css";

export function StatusLine() {
  const status = useServiceStatus();
  if (status.data === undefined) {
    return <span className="status-line muted">{status.isError ? "status unavailable" : "…"}</span>;
  }
  const { queue, workers } = status.data;
  const health = workers.length === 0 ? "down" : queue.running_items > 0 ? "busy" : "idle";
  const title =
    workers.length === 0 ? "No worker is alive" : `${workers.length} worker${workers.length === 1 ? "" : "s"} alive`;
  return (
    <Link href="/status" className="status-line" title={title} aria-label={`Status: ${title}`}>
      <span className={`status-dot ${health}`} aria-hidden="true">
        ●
      </span>{" "}
      <span data-testid="status-counts">
        {queue.running_items} running · {queue.queued_items} queued
      </span>
    </Link>
  );
}
