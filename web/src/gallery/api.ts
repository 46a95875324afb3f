// The gallery's calls to /v1, through the typed client; errors are `ApiError`s (status, field, message).
import { api, ApiError, unwrap } from "../api/client";
import { toApiQuery, type GalleryFilters } from "./filters";
import type { Board, GalleryPageData } from "./types";

export const PAGE_SIZE = 120;

const artifact = (artifactId: string) => ({ params: { path: { artifact_id: artifactId } } });
const board = (boardId: string) => ({ params: { path: { board_id: boardId } } });

/** A page of my artifacts. Plain fetch: the filters are already the query string the API takes (a seed stays the
 * digits typed, which a JavaScript number could not hold past 2**53). */
export async function listArtifacts(
  filters: GalleryFilters,
  before: string | null,
  limit = PAGE_SIZE,
): Promise<GalleryPageData> {
  const query = toApiQuery(filters);
  query.set("limit", String(limit));
  if (before !== null) query.set("before", before);
  const response = await fetch(`/v1/artifacts?${query.toString()}`, { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return (await response.json()) as GalleryPageData;
}

export function thumbnailUrl(artifactId: string, size = 256): string {
  return `/v1/artifacts/${encodeURIComponent(artifactId)}/thumbnail?size=${size}`;
}

export async function setStar(artifactId: string, starred: boolean): Promise<void> {
  const path = "/v1/artifacts/{artifact_id}/star";
  unwrap(await (starred ? api.PUT(path, artifact(artifactId)) : api.DELETE(path, artifact(artifactId))));
}

/** `keepalive`: a delete sent as the page closes still arrives. */
export async function deleteArtifacts(ids: string[], keepalive = false): Promise<number> {
  return unwrap(await api.POST("/v1/artifacts/delete", { body: { ids }, keepalive })).deleted;
}

/** The ZIP of these artifacts as a blob (the caller saves it). */
export async function zipArtifacts(ids: string[]): Promise<Blob> {
  return unwrap(await api.POST("/v1/artifacts/zip", { body: { ids }, parseAs: "blob" }));
}

export async function listBoards(): Promise<Board[]> {
  return unwrap(await api.GET("/v1/boards")).data;
}

export async function createBoard(name: string): Promise<Board> {
  return unwrap(await api.POST("/v1/boards", { body: { name } }));
}

export async function renameBoard(boardId: string, name: string): Promise<Board> {
  return unwrap(await api.PATCH("/v1/boards/{board_id}", { ...board(boardId), body: { name } }));
}

export async function deleteBoard(boardId: string): Promise<void> {
  unwrap(await api.DELETE("/v1/boards/{board_id}", board(boardId)));
}

export async function changeBoard(boardId: string, change: { add?: string[]; remove?: string[] }): Promise<Board> {
  const body = { add: change.add ?? [], remove: change.remove ?? [] };
  return unwrap(await api.POST("/v1/boards/{board_id}/artifacts", { ...board(boardId), body }));
}
