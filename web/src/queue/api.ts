// The queue's calls to `/v1/jobs` and `/v1/artifacts`, unwrapped into data or an `ApiError`.
import { api, ApiError, unwrap } from "../api/client";
import type { ArtifactView, ItemList, JobList, JobView } from "./types";

export const PAGE_SIZE = 20;
export const ITEMS_PAGE_SIZE = 60;

export async function listJobs(before: string | null, signal?: AbortSignal): Promise<JobList> {
  const query = before === null ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, before };
  return unwrap(await api.GET("/v1/jobs", { params: { query }, signal }));
}

export async function getJob(id: string, signal?: AbortSignal): Promise<JobView> {
  return unwrap(await api.GET("/v1/jobs/{job_id}", { params: { path: { job_id: id } }, signal }));
}

export async function cancelJob(id: string): Promise<JobView> {
  return unwrap(await api.POST("/v1/jobs/{job_id}/cancel", { params: { path: { job_id: id } } }));
}

export async function retryJob(id: string): Promise<JobView> {
  return unwrap(await api.POST("/v1/jobs/{job_id}/retry", { params: { path: { job_id: id } } }));
}

/** Deletes the job and its files; `keepalive` so that a delete sent as the page closes still arrives. */
export async function deleteJob(id: string): Promise<void> {
  const { error, response } = await api.DELETE("/v1/jobs/{job_id}", {
    params: { path: { job_id: id } },
    keepalive: true,
  });
  if (response.ok || response.status === 404) return; // 404: already gone, which is what the delete wanted
  throw new ApiError(response.status, error);
}

/** `PATCH /v1/jobs/{id}` `{"priority"}`: the job's items not yet claimed take the new priority (409 once final). */
export async function setPriority(id: string, priority: number): Promise<JobView> {
  return unwrap(await api.PATCH("/v1/jobs/{job_id}", { params: { path: { job_id: id } }, body: { priority } }));
}

export async function listItems(
  id: string,
  offset: number,
  state: string | null,
  signal?: AbortSignal,
): Promise<ItemList> {
  const query = { offset, limit: ITEMS_PAGE_SIZE, ...(state === null ? {} : { state: [state as "failed"] }) };
  return unwrap(await api.GET("/v1/jobs/{job_id}/items", { params: { path: { job_id: id }, query }, signal }));
}

export async function listArtifacts(id: string, signal?: AbortSignal): Promise<ArtifactView[]> {
  const list = unwrap(await api.GET("/v1/jobs/{job_id}/artifacts", { params: { path: { job_id: id } }, signal }));
  return list.data;
}

export function zipUrl(jobId: string): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/zip`;
}

export function artifactUrl(artifactId: string): string {
  return `/v1/artifacts/${encodeURIComponent(artifactId)}`;
}
