// Cancel, retry and delete from the queue, with the API calls stubbed: the card changes before the server
// answers, goes back when the server refuses, and Undo does what it says.
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useSyncExternalStore } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/client";
import * as api from "./api";
import { flattenJobs, type JobPages } from "./cache";
import { DelayedActions } from "./delayed";
import { JobCard } from "./JobCard";
import { queueKeys, useJobActions } from "./queries";
import { makeJob, pagesOf } from "./testing";
import { ToastStore } from "./toasts";
import { Toasts } from "./Toasts";
import type { JobView } from "./types";

vi.mock("./api", async (actual) => ({
  ...(await actual<typeof import("./api")>()),
  cancelJob: vi.fn(),
  retryJob: vi.fn(),
  deleteJob: vi.fn(),
}));

const cancelJob = vi.mocked(api.cancelJob);
const retryJob = vi.mocked(api.retryJob);
const deleteJob = vi.mocked(api.deleteJob);

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

function view(overrides: Partial<JobView>): JobView {
  return { ...makeJob(), eta_seconds: null, elapsed_seconds: 60, errors: [], ...overrides } as JobView;
}

function Queue({ toasts, deletes }: { toasts: ToastStore; deletes: DelayedActions }) {
  const actions = useJobActions(toasts, deletes);
  const hidden = useSyncExternalStore(deletes.subscribe, deletes.snapshot);
  // an observer of the cached list only (the test fills it): never fetched
  const list = useQuery<JobPages>({ queryKey: queueKeys.list, queryFn: () => new Promise(() => undefined), enabled: false });
  const jobs = flattenJobs(list.data, hidden);
  return (
    <>
      <ul>
        {jobs.map((job) => (
          <JobCard key={job.id} job={job} now={Date.parse("2025-01-01T12:01:10Z")} actions={actions} />
        ))}
      </ul>
      <Toasts store={toasts} />
    </>
  );
}

function setUp() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  client.setQueryData(queueKeys.list, pagesOf([makeJob({ id: "01J00000000000000000ABCDEF" })]));
  const toasts = new ToastStore(60_000);
  const deletes = new DelayedActions(5000);
  const tree = (
    <QueryClientProvider client={client}>
      <Queue toasts={toasts} deletes={deletes} />
    </QueryClientProvider>
  );
  render(tree);
  return { client, deletes };
}

function badge(): string {
  return document.querySelector(".job-card .state-badge")?.textContent ?? "";
}

describe("queue actions", () => {
  beforeEach(() => {
    vi.clearAllMocks();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows a cancel at once, and Undo queues the canceled items again", async () => {
    const user = userEvent.setup();
    setUp();
    const answer = deferred<JobView>();
    cancelJob.mockReturnValue(answer.promise);
    retryJob.mockResolvedValue(view({ state: "running", counts: { pending: 30, running: 4, done: 15, failed: 1, canceled: 0 } }));

    await user.click(screen.getByRole("button", { name: "Cancel job ABCDEF" }));
    await waitFor(() => expect(badge()).toBe("Canceled")); // before the server has answered
    expect(screen.getByRole("progressbar", { name: "Progress of job ABCDEF" }).getAttribute("aria-valuenow")).toBe("34");
    expect(screen.queryByRole("button", { name: /^Cancel/ })).toBeNull();
    expect(cancelJob).toHaveBeenCalledWith("01J00000000000000000ABCDEF");

    await act(async () => answer.resolve(view({ state: "canceled", counts: { pending: 0, running: 4, done: 15, failed: 1, canceled: 30 } })));
    await screen.findByText("Job canceled.");
    await user.click(screen.getByRole("button", { name: "Undo" }));
    await waitFor(() => expect(retryJob).toHaveBeenCalledWith("01J00000000000000000ABCDEF"));
    await waitFor(() => expect(badge()).toBe("Running"));
  });

  it("puts the job back as it was when the server refuses the cancel", async () => {
    const user = userEvent.setup();
    setUp();
    cancelJob.mockRejectedValue(new ApiError(503, { error: { type: "unavailable", message: "the store is busy" } }));
    await user.click(screen.getByRole("button", { name: "Cancel job ABCDEF" }));
    await screen.findByText("Could not cancel: the store is busy");
    expect(badge()).toBe("Running");
    screen.getByRole("button", { name: "Cancel job ABCDEF" });
  });

  it("hides a deleted job at once and deletes it only once its undo has lapsed", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    setUp();
    deleteJob.mockResolvedValue(undefined);
    await user.click(screen.getByRole("button", { name: "Delete job ABCDEF" }));
    expect(document.querySelector(".job-card")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(document.querySelector(".job-card")).not.toBeNull();
    await act(async () => vi.advanceTimersByTime(10_000));
    expect(deleteJob).not.toHaveBeenCalled();

    await user.click(screen.getByRole("button", { name: "Delete job ABCDEF" }));
    await act(async () => vi.advanceTimersByTime(4000));
    expect(deleteJob).not.toHaveBeenCalled();
    await act(async () => vi.advanceTimersByTime(1000));
    expect(deleteJob).toHaveBeenCalledWith("01J00000000000000000ABCDEF");
  });
});
