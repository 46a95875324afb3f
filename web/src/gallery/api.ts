// The gallery's calls to /v1. Plain fetch until the gallery routes are in schema.d.ts; errors are the same
// `ApiError` (status, field, message) as the typed client's.
import { ApiError } from "../api/client";
import { toApiQuery, type GalleryFilters } from "./filters";
import type { Board, GalleryPageData } from "./types";

export const PAGE_SIZE = 120;

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? undefined : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const detail: unknown = await response.json().catch(() => null);
    throw new ApiError(response.status, detail);
  }
  return response;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await (await call(method, path, body)).json()) as T;
}

const id = encodeURIComponent;

export function listArtifacts(filters: GalleryFilters, before: string | null, limit = PAGE_SIZE): Promise<GalleryPageData> {
  const query = toApiQuery(filters);
  query.set("limit", String(limit));
  if (before !== null) query.set("before", before);
  return json("GET", `/v1/artifacts?${query.toString()}`);
}

export function thumbnailUrl(artifactId: string, size = 256): string {
  return `/v1/artifacts/${id(artifactId)}/thumbnail?size=${size}`;
}

export async function setStar(artifactId: string, starred: boolean): Promise<void> {
  await call(starred ? "PUT" : "DELETE", `/v1/artifacts/${id(artifactId)}/star`);
}

export async function deleteArtifacts(ids: string[]): Promise<number> {
  return (await json<{ deleted: number }>("POST", "/v1/artifacts/delete", { ids })).deleted;
}

/** The ZIP of these artifacts as a blob (the caller saves it). */
export async function zipArtifacts(ids: string[]): Promise<Blob> {
  return (await call("POST", "/v1/artifacts/zip", { ids })).blob();
}

export async function listBoards(): Promise<Board[]> {
  return (await json<{ data: Board[] }>("GET", "/v1/boards")).data;
}

export function createBoard(name: string): Promise<Board> {
  return json("POST", "/v1/boards", { name });
}

export function renameBoard(boardId: string, name: string): Promise<Board> {
  return json("PATCH", `/v1/boards/${id(boardId)}`, { name });
}

export async function deleteBoard(boardId: string): Promise<void> {
  await call("DELETE", `/v1/boards/${id(boardId)}`);
}

export function changeBoard(boardId: string, change: { add?: string[]; remove?: string[] }): Promise<Board> {
  return json("POST", `/v1/boards/${id(boardId)}/artifacts`, { add: change.add ?? [], remove: change.remove ?? [] });
}
