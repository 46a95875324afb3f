// The queue's server state in TanStack Query: the job list (pages by `before` cursor), one job's view, its items
// and files, and the actions on a job with their optimistic edits. Live events only trigger refetches here.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { ApiError } from "../api/client";
import { cancelJob, deleteJob, getJob, listArtifacts, listItems, listJobs, retryJob, setPriority } from "./api";
import { dropJob, mergeJob, type JobPages } from "./cache";
import { pendingDeletes, queueToasts } from "./stores";
import type { DelayedActions } from "./delayed";
import type { ToastStore } from "./toasts";
import { isActive, type Job, type JobView } from "./types";

export const queueKeys = {
  list: ["queue", "jobs"] as const,
  job: (id: string) => ["queue", "job", id] as const,
  items: (id: string, offset: number, state: string | null) => ["queue", "items", id, offset, state] as const,
  artifacts: (id: string) => ["queue", "artifacts", id] as const,
};

/** Refetch periods: quick while something runs (a safety net under the live events), slow otherwise (to pick up
 * jobs submitted from elsewhere: another tab, the CLI). */
export const ACTIVE_REFETCH_MS = 2000;
export const IDLE_REFETCH_MS = 3000;

function anyActive(data: JobPages | undefined): boolean {
  return data?.pages.some((page) => page.data.some(isActive)) ?? false;
}

export function useJobList() {
  return useInfiniteQuery({
    queryKey: queueKeys.list,
    queryFn: ({ pageParam, signal }) => listJobs(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: (query) => (anyActive(query.state.data) ? ACTIVE_REFETCH_MS : IDLE_REFETCH_MS),
  });
}

/** Writes a job's fresh view into its own query and into the list. */
export function storeJob(client: QueryClient, view: Job): void {
  client.setQueryData<Job>(queueKeys.job(view.id), (old) => ({ ...old, ...view }));
  client.setQueryData<JobPages>(queueKeys.list, (pages) => mergeJob(pages, view));
}

function isGone(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Fetches a job's view into the caches; a job that is gone (deleted elsewhere) leaves the list. */
export async function loadJob(client: QueryClient, id: string, signal?: AbortSignal): Promise<JobView> {
  try {
    const view = await getJob(id, signal);
    client.setQueryData<JobPages>(queueKeys.list, (pages) => mergeJob(pages, view));
    return view;
  } catch (error) {
    if (isGone(error)) client.setQueryData<JobPages>(queueKeys.list, (pages) => dropJob(pages, id));
    throw error;
  }
}

/** Refetches a job's view now (from a live event), whether or not a page shows it. */
export function refreshJob(client: QueryClient, id: string): void {
  client
    .fetchQuery({ queryKey: queueKeys.job(id), queryFn: ({ signal }) => loadJob(client, id, signal), staleTime: 0 })
    .catch(() => undefined); // a failed refresh leaves the last view; the periodic refetch tries again
}

export function useJob(id: string) {
  const client = useQueryClient();
  return useQuery({
    queryKey: queueKeys.job(id),
    queryFn: ({ signal }) => loadJob(client, id, signal),
    refetchInterval: (query) => (query.state.data && isActive(query.state.data) ? ACTIVE_REFETCH_MS : false),
    retry: (count, error) => !isGone(error) && count < 2,
  });
}

export function useJobItems(id: string, offset: number, state: string | null, live: boolean) {
  return useQuery({
    queryKey: queueKeys.items(id, offset, state),
    queryFn: ({ signal }) => listItems(id, offset, state, signal),
    placeholderData: (previous) => previous,
    refetchInterval: live ? ACTIVE_REFETCH_MS : false,
  });
}

export function useJobArtifacts(id: string, live: boolean) {
  return useQuery({
    queryKey: queueKeys.artifacts(id),
    queryFn: ({ signal }) => listArtifacts(id, signal),
    refetchInterval: live ? ACTIVE_REFETCH_MS : false,
  });
}

interface Snapshot {
  list: JobPages | undefined;
  job: Job | undefined;
}

/** What a cancel or retry looks like before the server answers: the same rules as the store's. */
export function canceledLocally(job: Job): Job {
  const { pending, canceled } = job.counts;
  return { ...job, state: "canceled", counts: { ...job.counts, pending: 0, canceled: canceled + pending } };
}

export function retriedLocally(job: Job): Job {
  const { failed, canceled, pending, done, running } = job.counts;
  const counts = { ...job.counts, pending: pending + failed + canceled, failed: 0, canceled: 0 };
  return { ...job, state: done > 0 || running > 0 ? "running" : "queued", counts, finished_at: null };
}

/** Cancel, retry, delete and priority, each optimistic: the cache changes at once and goes back on an error. */
export function useJobActions(
  toasts: ToastStore = queueToasts,
  deletes: DelayedActions = pendingDeletes,
) {
  const client = useQueryClient();

  async function apply(job: Job, edit: (job: Job) => Job): Promise<Snapshot> {
    await client.cancelQueries({ queryKey: queueKeys.list });
    await client.cancelQueries({ queryKey: queueKeys.job(job.id) });
    const snapshot = { list: client.getQueryData<JobPages>(queueKeys.list), job: client.getQueryData<Job>(queueKeys.job(job.id)) };
    const edited = edit(snapshot.job ?? job);
    client.setQueryData<Job>(queueKeys.job(job.id), (old) => (old === undefined ? old : { ...old, ...edited }));
    client.setQueryData<JobPages>(queueKeys.list, (pages) => mergeJob(pages, edit(job)));
    return snapshot;
  }

  function restore(id: string, snapshot: Snapshot | undefined): void {
    if (snapshot === undefined) return;
    client.setQueryData(queueKeys.list, snapshot.list);
    client.setQueryData(queueKeys.job(id), snapshot.job);
  }

  const retry = useMutation({
    mutationFn: (job: Job) => retryJob(job.id),
    onMutate: (job) => apply(job, retriedLocally),
    onError: (error, job, snapshot) => {
      restore(job.id, snapshot);
      toasts.show(`Could not retry: ${error.message}`, { tone: "error" });
    },
    onSuccess: (view) => storeJob(client, view),
  });

  const cancel = useMutation({
    mutationFn: (job: Job) => cancelJob(job.id),
    onMutate: (job) => apply(job, canceledLocally),
    onError: (error, job, snapshot) => {
      restore(job.id, snapshot);
      toasts.show(`Could not cancel: ${error.message}`, { tone: "error" });
    },
    onSuccess: (view) => {
      storeJob(client, view);
      // the server can't un-cancel, but a retry queues the canceled items again: the same thing to the user
      toasts.show("Job canceled.", { action: { label: "Undo", run: () => retry.mutate(view) } });
    },
  });

  const priority = useMutation({
    mutationFn: ({ job, value }: { job: Job; value: number }) => setPriority(job.id, value),
    onMutate: ({ job, value }) => apply(job, (current) => ({ ...current, priority: value })),
    onError: (_error, { job }, snapshot) => restore(job.id, snapshot),
    onSuccess: (view) => storeJob(client, view),
  });

  /** Hides the job now and deletes it after the undo delay, unless Undo comes first. */
  function remove(job: Job): void {
    deletes.schedule(job.id, () => {
      deleteJob(job.id).then(
        () => {
          client.setQueryData<JobPages>(queueKeys.list, (pages) => dropJob(pages, job.id));
          client.removeQueries({ queryKey: queueKeys.job(job.id) });
        },
        (error: Error) => toasts.show(`Could not delete the job: ${error.message}`, { tone: "error" }),
      );
    });
    toasts.show("Job deleted.", {
      action: { label: "Undo", run: () => deletes.undo(job.id) },
      ms: deletes.delayMs,
    });
  }

  return { cancel, retry, priority, remove };
}
