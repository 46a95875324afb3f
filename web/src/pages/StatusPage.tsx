// Status: the workers alive (device, loaded models), the queue's depth, my usage against my quota, kiln's version.
import { ago, useServiceStatus, type ServiceStatus, type WorkerStatus } from "../status/status";
import "../status/status.css";

export function StatusPage() {
  const status = useServiceStatus();
  return (
    <section className="status-page" aria-labelledby="status-title">
      <h1 id="status-title">Status</h1>
      {status.data !== undefined ? (
        <StatusView status={status.data} now={status.dataUpdatedAt} />
      ) : status.isError ? (
        <p className="field-error" role="alert">
          The status could not be read: {status.error.message}
        </p>
      ) : (
        <p className="muted">Reading the status…</p>
      )}
    </section>
  );
}

/** The status as read at `now` (ms; the time of the read, so "seen 3 s ago" is relative to it). */
export function StatusView({ status, now }: { status: ServiceStatus; now: number }) {
  const { queue, usage, workers } = status;
  return (
    <>
      <div className="status-grid">
        <section className="panel" aria-labelledby="queue-title">
          <h2 id="queue-title">Queue</h2>
          <dl className="stats">
            <dt>Running</dt>
            <dd>
              {plural(queue.running_items, "image")} in {plural(queue.running_jobs, "job")}
            </dd>
            <dt>Queued</dt>
            <dd>
              {plural(queue.queued_items, "image")} in {plural(queue.queued_jobs, "job")}
            </dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="usage-title">
          <h2 id="usage-title">My usage</h2>
          <dl className="stats">
            {usage.key_name !== null && (
              <>
                <dt>Key</dt>
                <dd>{usage.key_name}</dd>
              </>
            )}
            <dt>Last {usage.window_hours} h</dt>
            <dd>
              {usage.quota === null
                ? `${plural(usage.images_last_24h, "image")} (no quota)`
                : `${usage.images_last_24h} of ${plural(usage.quota, "image")}`}
            </dd>
            {usage.remaining !== null && (
              <>
                <dt>Remaining</dt>
                <dd>{plural(usage.remaining, "image")}</dd>
              </>
            )}
          </dl>
          {usage.quota !== null && (
            <meter
              className="quota-meter"
              min={0}
              max={usage.quota}
              value={usage.images_last_24h}
              high={usage.quota * 0.9}
              aria-label="Quota used"
            />
          )}
        </section>
        <section className="panel" aria-labelledby="server-title">
          <h2 id="server-title">Server</h2>
          <dl className="stats">
            <dt>kiln</dt>
            <dd>version {status.version}</dd>
            <dt>API keys</dt>
            <dd>{status.auth === "on" ? "required" : "off (no sign-in)"}</dd>
          </dl>
        </section>
      </div>
      <section className="panel" aria-labelledby="workers-title">
        <h2 id="workers-title">Workers ({workers.length} alive)</h2>
        {workers.length === 0 ? (
          <p className="muted">
            No worker is alive: queued images wait until one starts (<code>kiln serve</code> starts one per device,{" "}
            <code>kiln worker</code> adds more).
          </p>
        ) : (
          <ul className="workers">
            {workers.map((worker) => (
              <WorkerCard key={worker.worker_id} worker={worker} now={now} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function WorkerCard({ worker, now }: { worker: WorkerStatus; now: number }) {
  return (
    <li className="worker" aria-label={`Worker ${worker.worker_id}`}>
      <div className="worker-head">
        <span className="worker-id">{worker.worker_id}</span>
        <span className={`badge ${worker.state ?? ""}`}>{worker.state ?? "unknown"}</span>
      </div>
      <span>
        {worker.device ?? "unknown device"}
        {worker.host !== null && <span className="muted"> on {worker.host}</span>}
        <span className="muted">
          {" "}
          · {plural(worker.images, "image")} made · seen {ago(worker.seen_at, now)}
        </span>
      </span>
      <div className="models" aria-label="Loaded models">
        {worker.models.length === 0 ? (
          <span className="muted">no model loaded</span>
        ) : (
          worker.models.map((model) => <code key={model}>{model}</code>)
        )}
      </div>
    </li>
  );
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en")} ${noun}${count === 1 ? "" : "s"}`;
}
