// The storyboard page's calls: render (`POST /v1/jobs` of kind `storyboard`), upload a music track, and the
// finished render's artifact with its report of assets made and reused.
import { api, unwrap } from "../api/client";
import { postJson } from "../create/http";
import type { JobCreated } from "../create/types";
import { listArtifacts } from "../queue/api";
import type { ArtifactView } from "../queue/types";
import type { JsonObject } from "./model";

export const ASSET_KINDS = ["image", "motion", "narration", "final"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];
export type AssetCounts = Record<AssetKind, number>;

export interface RenderReport {
  made: AssetCounts;
  reused: AssetCounts;
  keys: { made: Record<AssetKind, string[]>; reused: Record<AssetKind, string[]> };
}

/** A motion job's request is any of four request models: its body goes as JSON (as the Create page's does). */
export function renderStoryboard(manifest: JsonObject): Promise<JobCreated> {
  return postJson<JobCreated>("/v1/jobs", { kind: "storyboard", items: [manifest] });
}

/** Uploads an input file (the music track) and answers its `upload:<id>` reference. */
export async function uploadFile(file: File): Promise<string> {
  const result = await api.POST("/v1/uploads", {
    body: { file } as never, // multipart: the generated type says `string` for the binary part
    bodySerializer: () => {
      const form = new FormData();
      form.append("file", file, file.name);
      return form;
    },
  });
  return unwrap(result).ref;
}

function keysByKind(value: unknown): Record<AssetKind, string[]> {
  const source = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const out = { image: [], motion: [], narration: [], final: [] } as Record<AssetKind, string[]>;
  for (const kind of ASSET_KINDS) {
    const keys = source[kind];
    out[kind] = Array.isArray(keys) ? keys.filter((key): key is string => typeof key === "string") : [];
  }
  return out;
}

/** What the render made and reused, from its video's metadata (`assets: {made, reused}`); null when absent. */
export function renderReport(artifact: ArtifactView): RenderReport | null {
  const assets = (artifact.metadata as Record<string, unknown>).assets;
  if (typeof assets !== "object" || assets === null) return null;
  const { made, reused } = assets as Record<string, unknown>;
  const keys = { made: keysByKind(made), reused: keysByKind(reused) };
  const count = (side: Record<AssetKind, string[]>) =>
    Object.fromEntries(ASSET_KINDS.map((kind) => [kind, side[kind].length])) as AssetCounts;
  return { made: count(keys.made), reused: count(keys.reused), keys };
}

export async function finalCut(jobId: string, signal?: AbortSignal): Promise<ArtifactView | null> {
  const artifacts = await listArtifacts(jobId, signal);
  return artifacts.find((artifact) => artifact.content_type === "video/mp4") ?? artifacts[0] ?? null;
}
