// Live state of the jobs this page submitted, from the WebSocket /v1/ws (kiln/api/routes/ws.py): one socket,
// one subscription per job, `item.preview` images while they denoise, `item.state` as items finish. The session
// cookie authenticates it (never a key in the URL). A dropped socket reconnects and resumes after the last event.
import { useEffect, useState, useSyncExternalStore } from "react";

export interface JobLive {
  state: string; // the job's: queued, running, completed, failed, canceled ("" until told)
  previews: Record<number, string>; // item index -> data: URI of its latest preview
  step: number;
  steps: number;
  done: number[]; // item indexes with a file
  failed: Record<number, string>; // item index -> why
  ended: boolean; // the subscription ended: every event is in
  lastEventId: number;
}

export const EMPTY_LIVE: JobLive = {
  state: "",
  previews: {},
  step: 0,
  steps: 0,
  done: [],
  failed: {},
  ended: false,
  lastEventId: 0,
};

export interface FeedMessage {
  id: number | null;
  job_id: string | null;
  type: string;
  data: Record<string, unknown>;
}

const FINAL_ITEM_STATES = new Set(["failed", "canceled"]);

/** A job's live state after one message. */
export function applyMessage(live: JobLive, message: FeedMessage): JobLive {
  const next: JobLive = message.id !== null ? { ...live, lastEventId: Math.max(live.lastEventId, message.id) } : live;
  const data = message.data;
  switch (message.type) {
    case "item.preview": {
      const previews = { ...next.previews };
      for (const entry of Array.isArray(data.previews) ? data.previews : []) {
        const { index, image } = entry as { index?: unknown; image?: unknown };
        if (typeof index === "number" && typeof image === "string" && image.startsWith("data:image/")) {
          previews[index] = image;
        }
      }
      return { ...next, previews, step: Number(data.step) || 0, steps: Number(data.steps) || 0 };
    }
    case "item.progress":
      return { ...next, step: Number(data.step) || 0, steps: Number(data.steps) || 0 };
    case "item.state": {
      const index = data.index;
      if (typeof index !== "number") return next;
      if (data.state === "done" && !next.done.includes(index)) return { ...next, done: [...next.done, index] };
      if (typeof data.state === "string" && FINAL_ITEM_STATES.has(data.state)) {
        const why = typeof data.error === "string" ? data.error : data.state;
        return { ...next, failed: { ...next.failed, [index]: why } };
      }
      return next;
    }
    case "job.state":
      return { ...next, state: typeof data.state === "string" ? data.state : next.state };
    case "ws.end":
      if (data.reason === "error") return next; // resumable: the hook subscribes again from lastEventId
      return { ...next, ended: true, state: typeof data.state === "string" ? data.state : next.state };
    default:
      return next;
  }
}

function socketUrl(): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}/v1/ws`;
}

const RECONNECT_MS = 1_000;

/** One socket following many jobs; an external store for `useSyncExternalStore`. */
export class JobFeed {
  private onItemDone: () => void = () => {};
  private live: Record<string, JobLive> = {};
  private readonly wanted = new Set<string>();
  private subscribed = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private socket: WebSocket | null = null;
  private open = false; // between connect() and close()
  private retry: ReturnType<typeof setTimeout> | null = null;

  setOnItemDone(callback: () => void): void {
    this.onItemDone = callback;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): Record<string, JobLive> => this.live;

  connect(): void {
    this.open = true;
    const socket = new WebSocket(socketUrl());
    this.socket = socket;
    this.subscribed = new Set();
    socket.onopen = () => this.sendSubscriptions();
    socket.onmessage = (event: MessageEvent<string>) => this.receive(event.data);
    socket.onclose = () => {
      if (this.socket !== socket || !this.open) return;
      this.socket = null;
      this.retry = setTimeout(() => this.open && this.connect(), RECONNECT_MS);
    };
  }

  close(): void {
    this.open = false;
    if (this.retry !== null) clearTimeout(this.retry);
    this.socket?.close();
    this.socket = null;
  }

  follow(jobIds: readonly string[]): void {
    for (const id of jobIds) this.wanted.add(id);
    this.sendSubscriptions();
  }

  private sendSubscriptions(): void {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WebSocket.OPEN) return; // onopen sends them
    for (const id of this.wanted) {
      const state = this.live[id];
      if (this.subscribed.has(id) || state?.ended) continue;
      this.subscribed.add(id);
      socket.send(JSON.stringify({ action: "subscribe", job_id: id, after: state?.lastEventId ?? 0 }));
    }
  }

  private receive(text: string): void {
    let message: FeedMessage;
    try {
      message = JSON.parse(text) as FeedMessage;
    } catch {
      return;
    }
    const id = message.job_id;
    if (id === null || !this.wanted.has(id)) return;
    this.live = { ...this.live, [id]: applyMessage(this.live[id] ?? EMPTY_LIVE, message) };
    if (message.type === "ws.end" && message.data.reason === "error") {
      this.subscribed.delete(id); // resume after the last event we have
      this.sendSubscriptions();
    }
    if (message.type === "item.state" && message.data.state === "done") this.onItemDone();
    for (const listener of this.listeners) listener();
  }
}

/** Live state of `jobIds`; `onItemDone` runs when any item gets its file (to refetch the results). */
export function useJobFeed(jobIds: readonly string[], onItemDone: () => void): Record<string, JobLive> {
  const [feed] = useState(() => new JobFeed());
  useEffect(() => {
    feed.connect();
    return () => feed.close();
  }, [feed]);
  useEffect(() => feed.setOnItemDone(onItemDone), [feed, onItemDone]);
  useEffect(() => feed.follow(jobIds), [feed, jobIds]);
  return useSyncExternalStore(feed.subscribe, feed.getSnapshot);
}
