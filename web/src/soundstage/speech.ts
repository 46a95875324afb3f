// Narration voices and a spoken preview: `GET /v1/audio/voices` and `POST /v1/audio/speech` (OpenAI's shape),
// through the typed client; the speech answer is audio bytes, read as a blob to play.
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../api/client";
import type { components } from "../api/schema";

/** `id` is what the speech route takes ("alloy", ...); `engine_voice` what an assembly's narration.voice takes. */
export type Voice = components["schemas"]["Voice"];

/** The voices the server offers; an empty list from a server without the speech routes (an older kiln). */
export function useVoices() {
  return useQuery({
    queryKey: ["audio", "voices"],
    queryFn: async ({ signal }): Promise<Voice[]> => {
      const result = await api.GET("/v1/audio/voices", { signal });
      if (result.response.status === 404) return [];
      return unwrap(result).data;
    },
    staleTime: 5 * 60_000,
  });
}

/** `text` spoken by `voice` as MP3, as a blob to play. */
export async function speak(text: string, voice: string, speed = 1, signal?: AbortSignal): Promise<Blob> {
  const body = { model: "tts-1", input: text, voice, response_format: "mp3" as const, speed };
  const result = await api.POST("/v1/audio/speech", { body, parseAs: "blob", signal });
  if (result.response.status === 404) {
    const message = "This server has no voice preview (POST /v1/audio/speech); the line is still spoken when you Process";
    throw new ApiError(404, { error: { type: "not_found", message, field: null } });
  }
  return unwrap(result) as Blob;
}
