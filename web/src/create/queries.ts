// What the Create page reads from the server, through the one query layer.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { styledPrompt } from "./tokens";
import type { GalleryArtifact, ModelEntry } from "./types";
import { useDebounced } from "./useDebounced";

const CATALOG = { staleTime: 5 * 60_000 } as const; // models, styles and presets change with a server restart

export function useModels() {
  return useQuery({
    queryKey: ["models"],
    queryFn: async () => unwrap(await api.GET("/v1/models")).data.filter((m) => !m.video),
    ...CATALOG,
  });
}

export function useStyles() {
  return useQuery({ queryKey: ["styles"], queryFn: async () => unwrap(await api.GET("/v1/styles")).data, ...CATALOG });
}

export function usePresets() {
  return useQuery({ queryKey: ["presets"], queryFn: async () => unwrap(await api.GET("/v1/presets")), ...CATALOG });
}

/** The model the form means: the one chosen, else the server's default. */
export function chosenModel(models: ModelEntry[] | undefined, id: string): ModelEntry | undefined {
  return models?.find((m) => (id ? m.id === id : m.default));
}

export const TOKENS_DEBOUNCE_MS = 300;

/** Token counts per text encoder of the prompt as the pipeline gets it (style applied), 300 ms after typing. */
export function useTokenCounts(prompt: string, model: string, template: string | null) {
  const styled = styledPrompt(prompt, template);
  const settled = useDebounced(prompt.trim() ? styled : "", TOKENS_DEBOUNCE_MS);
  return useQuery({
    queryKey: ["tokens", model, settled],
    queryFn: async ({ signal }) =>
      unwrap(await api.POST("/v1/tokens", { body: { prompt: settled, model: model || null }, signal })),
    enabled: settled.trim() !== "",
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}

export const RECENT_LIMIT = 48;
export const RECENT_KEY = ["artifacts", "recent"] as const;

/** My newest images, across jobs: the results grid (the server is the truth; a reload shows the same). */
export function useRecentArtifacts() {
  return useQuery({
    queryKey: RECENT_KEY,
    queryFn: async (): Promise<GalleryArtifact[]> =>
      unwrap(await api.GET("/v1/artifacts", { params: { query: { limit: RECENT_LIMIT, media: "image" } } })).data,
  });
}
