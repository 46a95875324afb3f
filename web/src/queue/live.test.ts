import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { feedUrl, JobFeed, KeyedThrottle, type FeedEvent } from "./live";

/** A WebSocket the test opens, feeds and closes by hand. */
class FakeSocket {
  static made: FakeSocket[] = [];
  readyState: number = WebSocket.CONNECTING;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(): void {
    this.closed = true;
    this.readyState = WebSocket.CLOSED;
    this.onclose?.();
  }
  open(): void {
    this.readyState = WebSocket.OPEN;
    this.onopen?.();
  }
  push(event: Partial<FeedEvent>): void {
    this.onmessage?.({ data: JSON.stringify({ id: null, data: {}, ...event }) });
  }
  drop(): void {
    this.readyState = WebSocket.CLOSED;
    this.onclose?.();
  }
}

function makeFeed(): JobFeed {
  return new JobFeed(
    () => "ws://studio/v1/ws",
    (url) => new FakeSocket(url) as unknown as WebSocket,
  );
}

function latest(): FakeSocket {
  const socket = FakeSocket.made[FakeSocket.made.length - 1];
  if (socket === undefined) throw new Error("no socket");
  return socket;
}

describe("JobFeed", () => {
  beforeEach(() => {
    FakeSocket.made = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("subscribes to each watched job once the socket opens, and hands each its own events", () => {
    const feed = makeFeed();
    const heardA: FeedEvent[] = [];
    const heardB: FeedEvent[] = [];
    feed.watch("A", (event) => heardA.push(event));
    feed.watch("B", (event) => heardB.push(event));
    const socket = latest();
    expect(FakeSocket.made).toHaveLength(1); // one socket for every job
    socket.open();
    expect(socket.sent).toEqual([
      { action: "subscribe", job_id: "A", after: 0 },
      { action: "subscribe", job_id: "B", after: 0 },
    ]);
    socket.push({ id: 7, job_id: "A", type: "item.progress", data: { step: 1 } });
    socket.push({ id: 8, job_id: "B", type: "item.state", data: { state: "done" } });
    expect(heardA.map((event) => event.type)).toEqual(["item.progress"]);
    expect(heardB.map((event) => event.type)).toEqual(["item.state"]);
  });

  it("starts a later subscription after the newest event seen, not at the job's first event", () => {
    const feed = makeFeed();
    feed.watch("A", () => undefined);
    const socket = latest();
    socket.open();
    socket.push({ id: 41, job_id: "A", type: "item.progress" });
    feed.watch("B", () => undefined);
    expect(socket.sent.at(-1)).toEqual({ action: "subscribe", job_id: "B", after: 41 });
  });

  it("unsubscribes a job nobody watches, and closes the idle socket a moment later", () => {
    const feed = makeFeed();
    const stopA = feed.watch("A", () => undefined);
    const socket = latest();
    socket.open();
    stopA();
    expect(socket.sent.at(-1)).toEqual({ action: "unsubscribe", job_id: "A" });
    expect(socket.closed).toBe(false);
    vi.advanceTimersByTime(5000);
    expect(socket.closed).toBe(true);
  });

  it("reconnects after a dropped socket and subscribes again from the newest event seen", () => {
    const feed = makeFeed();
    feed.watch("A", () => undefined);
    const first = latest();
    first.open();
    first.push({ id: 12, job_id: "A", type: "item.state" });
    first.drop();
    vi.advanceTimersByTime(500);
    const second = latest();
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent).toEqual([{ action: "subscribe", job_id: "A", after: 12 }]);
  });

  it("follows again from where the server says when its following failed", () => {
    const feed = makeFeed();
    const heard: string[] = [];
    feed.watch("A", (event) => heard.push(event.type));
    const socket = latest();
    socket.open();
    socket.push({ job_id: "A", type: "ws.end", data: { reason: "error", after: 30 } });
    expect(socket.sent.at(-1)).toEqual({ action: "subscribe", job_id: "A", after: 30 });
    socket.push({ job_id: "A", type: "ws.end", data: { reason: "finished", state: "completed" } });
    expect(socket.sent).toHaveLength(2); // a finished job is not followed again
    expect(heard).toEqual(["ws.end", "ws.end"]);
  });

  it("connects to the page's own host, secure when the page is", () => {
    expect(feedUrl({ protocol: "http:", host: "localhost:8000" })).toBe("ws://localhost:8000/v1/ws");
    expect(feedUrl({ protocol: "https:", host: "kiln.example" })).toBe("wss://kiln.example/v1/ws");
  });
});

describe("KeyedThrottle", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a burst as one call now and one trailing call, per key", () => {
    const run = vi.fn();
    const throttle = new KeyedThrottle(400, run);
    for (let i = 0; i < 10; i++) throttle.call("A");
    throttle.call("B");
    expect(run.mock.calls).toEqual([["A"], ["B"]]);
    vi.advanceTimersByTime(400);
    expect(run.mock.calls).toEqual([["A"], ["B"], ["A"]]);
    vi.advanceTimersByTime(2000);
    expect(run).toHaveBeenCalledTimes(3);
  });
});
