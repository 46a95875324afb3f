// Live job events over one WebSocket (`/v1/ws`, protocol in kiln/api/routes/ws.py): a subscription per watched
// job, the session cookie authenticating it. The events only say "this job changed": the pages refetch the job's
// view (cheap, cached server-side), so the server stays the one source of what a job looks like.

export interface FeedEvent {
  id: number | null;
  job_id: string | null;
  type: string;
  data: Record<string, unknown>;
}

export type FeedListener = (event: FeedEvent) => void;

export type SocketFactory = (url: string) => WebSocket;

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;
const IDLE_CLOSE_MS = 5_000;

export function feedUrl(location: Pick<Location, "protocol" | "host">): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/ws`;
}

export class JobFeed {
  private socket: WebSocket | null = null;
  private readonly listeners = new Map<string, Set<FeedListener>>();
  // The highest event id seen: event ids are global, so a new subscription starts there rather than replaying a
  // long job's whole history (the job's view is refetched on subscribing anyway).
  private lastEventId = 0;
  private retryMs = MIN_RETRY_MS;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly url: () => string,
    private readonly makeSocket: SocketFactory = (url) => new WebSocket(url),
  ) {}

  /** Calls `listener` with each event of the job (and `ws.*` notices about it) until the returned stop is called. */
  watch(jobId: string, listener: FeedListener): () => void {
    let set = this.listeners.get(jobId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(jobId, set);
      this.send({ action: "subscribe", job_id: jobId, after: this.lastEventId });
    }
    set.add(listener);
    this.connect();
    return () => this.unwatch(jobId, listener);
  }

  /** Closes the socket and forgets every listener. */
  close(): void {
    this.listeners.clear();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.retryTimer = null;
    this.idleTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private unwatch(jobId: string, listener: FeedListener): void {
    const set = this.listeners.get(jobId);
    if (set === undefined || !set.delete(listener) || set.size > 0) return;
    this.listeners.delete(jobId);
    this.send({ action: "unsubscribe", job_id: jobId });
    if (this.listeners.size === 0 && this.idleTimer === null) {
      // kept a moment: moving from the queue to a job's page unwatches and watches again
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        if (this.listeners.size > 0) return;
        const socket = this.socket;
        this.socket = null;
        socket?.close(1000, "nothing to follow");
      }, IDLE_CLOSE_MS);
    }
  }

  private connect(): void {
    if (this.socket !== null || this.retryTimer !== null || this.listeners.size === 0) return;
    const socket = this.makeSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = MIN_RETRY_MS;
      for (const jobId of this.listeners.keys()) {
        this.send({ action: "subscribe", job_id: jobId, after: this.lastEventId });
      }
    };
    socket.onmessage = (message: MessageEvent) => this.receive(message.data);
    socket.onclose = () => {
      if (this.socket !== socket) return; // closed on purpose
      this.socket = null;
      this.reconnectLater();
    };
  }

  private reconnectLater(): void {
    if (this.listeners.size === 0) return;
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private receive(raw: unknown): void {
    if (typeof raw !== "string") return;
    let event: FeedEvent;
    try {
      event = JSON.parse(raw) as FeedEvent;
    } catch {
      return;
    }
    if (typeof event.id === "number" && event.id > this.lastEventId) this.lastEventId = event.id;
    const jobId = event.job_id;
    if (jobId === null) return;
    if (event.type === "ws.end" && event.data.reason === "error" && this.listeners.has(jobId)) {
      const after = typeof event.data.after === "number" ? event.data.after : this.lastEventId;
      this.send({ action: "subscribe", job_id: jobId, after }); // following failed on the server: pick up again
    }
    for (const listener of this.listeners.get(jobId) ?? []) listener(event);
  }
}

/** Runs `run(key)` at most once per `intervalMs` per key, with one trailing run for calls that came in between:
 * a burst of events for a job becomes a refetch now and one at the end of the burst. */
export class KeyedThrottle {
  private readonly last = new Map<string, number>();
  private readonly trailing = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly intervalMs: number,
    private readonly run: (key: string) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  call(key: string): void {
    if (this.trailing.has(key)) return;
    const wait = (this.last.get(key) ?? -Infinity) + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire(key);
      return;
    }
    this.trailing.set(
      key,
      setTimeout(() => {
        this.trailing.delete(key);
        this.fire(key);
      }, wait),
    );
  }

  private fire(key: string): void {
    this.last.set(key, this.now());
    this.run(key);
  }
}
