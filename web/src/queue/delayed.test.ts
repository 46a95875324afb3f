import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DelayedActions } from "./delayed";

describe("DelayedActions", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs an action once its delay has passed", () => {
    const actions = new DelayedActions(5000);
    const run = vi.fn();
    actions.schedule("job", run);
    expect(actions.snapshot()).toEqual(new Set(["job"]));
    vi.advanceTimersByTime(4999);
    expect(run).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledOnce();
    expect(actions.snapshot().size).toBe(0);
  });

  it("never runs an action undone in time", () => {
    const actions = new DelayedActions(5000);
    const run = vi.fn();
    actions.schedule("job", run);
    expect(actions.undo("job")).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(run).not.toHaveBeenCalled();
    expect(actions.undo("job")).toBe(false); // nothing left to undo
  });

  it("runs everything waiting at once when flushed, and each only once", () => {
    const actions = new DelayedActions(5000);
    const first = vi.fn();
    const second = vi.fn();
    actions.schedule("a", first);
    actions.schedule("b", second);
    actions.flush();
    vi.advanceTimersByTime(10_000);
    expect(first).toHaveBeenCalledOnce();
    expect(second).toHaveBeenCalledOnce();
  });

  it("tells its subscribers of each change with a new snapshot", () => {
    const actions = new DelayedActions(100);
    const seen: ReadonlySet<string>[] = [];
    actions.subscribe(() => seen.push(actions.snapshot()));
    actions.schedule("a", () => undefined);
    actions.undo("a");
    expect(seen.map((keys) => [...keys])).toEqual([["a"], []]);
    expect(seen[0]).not.toBe(seen[1]);
  });
});
