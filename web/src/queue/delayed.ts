// Actions that wait a few seconds before they reach the server, so that an Undo can still stop them: a job's
// delete, which the server cannot take back. Until then the job is only hidden; leaving the page sends them at once.

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const browserTimers: Timers = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Pending {
  handle: unknown;
  run: () => void;
}

export class DelayedActions {
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<() => void>();
  private keys: ReadonlySet<string> = new Set();

  constructor(
    readonly delayMs: number,
    private readonly timers: Timers = browserTimers,
  ) {}

  /** Runs `run` after the delay unless `undo(key)` comes first; a second schedule of the key replaces the first. */
  schedule(key: string, run: () => void): void {
    this.cancel(key);
    const handle = this.timers.setTimeout(() => this.fire(key), this.delayMs);
    this.pending.set(key, { handle, run });
    this.changed();
  }

  /** Stops the action of `key`; false when it had already run (or was never scheduled). */
  undo(key: string): boolean {
    const stopped = this.cancel(key);
    if (stopped) this.changed();
    return stopped;
  }

  /** Runs every waiting action now (the page is going away). */
  flush(): void {
    for (const key of [...this.pending.keys()]) this.fire(key);
  }

  /** The keys whose actions wait: a new Set on each change, so it works as a React external-store snapshot. */
  snapshot = (): ReadonlySet<string> => this.keys;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private fire(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.timers.clearTimeout(entry.handle);
    this.pending.delete(key);
    this.changed();
    entry.run();
  }

  private cancel(key: string): boolean {
    const entry = this.pending.get(key);
    if (entry === undefined) return false;
    this.timers.clearTimeout(entry.handle);
    this.pending.delete(key);
    return true;
  }

  private changed(): void {
    this.keys = new Set(this.pending.keys());
    for (const listener of this.listeners) listener();
  }
}
