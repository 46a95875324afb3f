// Narration voices and a spoken preview: `GET /v1/audio/voices` and `POST /v1/audio/speech` (OpenAI's shape; the
// contract of issue 10). Plain fetch: the routes come with the speech backend, which this page was built against
// before they were in the generated schema, and the speech answer is audio bytes, not JSON.
import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api/client";

export interface Voice {
  id: string; // what /v1/audio/speech takes ("alloy", or a kiln voice id)
  engine_voice: string; // what an assembly's narration.voice takes (the TTS engine's own name)
  label: string;
  openai: boolean;
}

/** The voices the server offers; an empty list where the server has no speech route yet. */
export function useVoices() {
  return useQuery({
    queryKey: ["audio", "voices"],
    queryFn: async ({ signal }): Promise<Voice[]> => {
      const response = await fetch("/v1/audio/voices", { credentials: "same-origin", signal });
      if (response.status === 404) return [];
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new ApiError(response.status, body);
      const data = (body as { data?: unknown }).data;
      return Array.isArray(data) ? (data as Voice[]) : [];
    },
    staleTime: 5 * 60_000,
  });
}

/** `text` spoken by `voice` as MP3, as a blob to play. */
export async function speak(text: string, voice: string, speed = 1, signal?: AbortSignal): Promise<Blob> {
  const response = await fetch("/v1/audio/speech", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({ model: "tts-1", input: text, voice, response_format: "mp3", speed }),
    signal,
  });
  if (response.status === 404) {
    const message = "This server has no voice preview (POST /v1/audio/speech); the line is still spoken when you Process";
    throw new ApiError(404, { error: { type: "not_found", message, field: null } });
  }
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response.blob();
}
