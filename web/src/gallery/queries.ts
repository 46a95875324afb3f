// The gallery's server state through TanStack Query: the artifact pages (cursor `before`), boards, and the
// optimistic star. Every gallery list is cached under ["gallery", <api query>].
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { listArtifacts, listBoards, setStar } from "./api";
import { toApiQuery, type GalleryFilters } from "./filters";
import type { GalleryArtifact, GalleryPageData } from "./types";

export const GALLERY_KEY = ["gallery"] as const;
export const BOARDS_KEY = ["boards"] as const;

export function galleryKey(filters: GalleryFilters) {
  return [...GALLERY_KEY, toApiQuery(filters).toString()] as const;
}

export function useGallery(filters: GalleryFilters) {
  return useInfiniteQuery({
    queryKey: galleryKey(filters),
    queryFn: ({ pageParam }) => listArtifacts(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last: GalleryPageData) => last.next_before,
    staleTime: 30_000,
  });
}

const NEWEST_POLL_MS = 15_000;

/** The id of the newest artifact that these filters match, checked now and then (new images while I look). */
export function useNewestId(filters: GalleryFilters) {
  return useQuery({
    queryKey: ["gallery-newest", toApiQuery(filters).toString()],
    queryFn: async () => (await listArtifacts(filters, null, 1)).data[0]?.id ?? null,
    refetchInterval: NEWEST_POLL_MS,
  });
}

export function useBoards() {
  return useQuery({ queryKey: BOARDS_KEY, queryFn: listBoards, staleTime: 10_000 });
}

export function useModelIds() {
  return useQuery({
    queryKey: ["models"],
    queryFn: async () => unwrap(await api.GET("/v1/models")).data.map((model) => model.id),
    staleTime: 300_000,
  });
}

export function useStyleNames() {
  return useQuery({
    queryKey: ["styles"],
    queryFn: async () => unwrap(await api.GET("/v1/styles")).data.map((style) => style.name),
    staleTime: 300_000,
  });
}

type Pages = InfiniteData<GalleryPageData, string | null>;

/** Changes the cached copies of artifacts in every gallery list (an optimistic update). */
export function patchCachedArtifacts(
  client: QueryClient,
  ids: ReadonlySet<string>,
  patch: (artifact: GalleryArtifact) => GalleryArtifact,
): void {
  client.setQueriesData<Pages>({ queryKey: GALLERY_KEY }, (data) =>
    data === undefined
      ? data
      : {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            data: page.data.map((artifact) => (ids.has(artifact.id) ? patch(artifact) : artifact)),
          })),
        },
  );
}

/** Star or unstar at once; the server is told, and the change is undone if it refuses. */
export function useStar() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, starred }: { id: string; starred: boolean }) => setStar(id, starred),
    onMutate: async ({ id, starred }) => {
      await client.cancelQueries({ queryKey: GALLERY_KEY });
      patchCachedArtifacts(client, new Set([id]), (artifact) => ({ ...artifact, starred }));
    },
    onError: (_error, { id, starred }) => {
      patchCachedArtifacts(client, new Set([id]), (artifact) => ({ ...artifact, starred: !starred }));
    },
    // The "Starred" list itself changes membership: refetch it (the others keep their optimistic copy).
    onSettled: () => client.invalidateQueries({ queryKey: GALLERY_KEY, predicate: (q) => String(q.queryKey[1]).includes("starred=true") }),
  });
}
