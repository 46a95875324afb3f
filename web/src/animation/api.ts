// The animation studio's calls: uploads (images, sprites, music), the job (submit, read, steer) and beats.
import { api, unwrap } from "../api/client";
import { postJson } from "../create/http";
import type { BeatAnalysis } from "./beats";
import type { AnimationBody } from "./production";

export interface Uploaded {
  id: string;
  ref: string;
  filename: string;
}

/** `POST /v1/uploads` (multipart): the file's `upload:<id>` reference. */
export async function uploadFile(file: Blob, filename: string): Promise<Uploaded> {
  const form = new FormData();
  form.append("file", file, filename);
  const created = unwrap(
    await api.POST("/v1/uploads", {
      body: form as unknown as { file: string },
      bodySerializer: (body) => body as unknown as FormData,
    }),
  );
  return { id: created.id, ref: created.ref, filename: created.filename };
}

export interface JobCreated {
  id: string;
}

/** `POST /v1/jobs` with one animation item. By hand (postJson): the generated request type makes the fields the
 * server defaults (`priority`, `save`, `previews`) required. */
export async function submitAnimation(item: AnimationBody): Promise<JobCreated> {
  return postJson<JobCreated>("/v1/jobs", { kind: "animation", items: [item] });
}

export type Command =
  | { action: "pause" | "resume" | "stop" }
  | { action: "teleport"; image: string }
  | { action: "edit"; changes: Record<string, unknown> };

export async function sendControl(jobId: string, command: Command): Promise<void> {
  unwrap(
    await api.POST("/v1/jobs/{job_id}/control", {
      params: { path: { job_id: jobId } },
      body: { ...command, index: 0 } as never,
    }),
  );
}

/** `POST /v1/audio/beats`: the track's tempo, beats and onsets. */
export async function analyseBeats(audio: string): Promise<BeatAnalysis> {
  return unwrap(await api.POST("/v1/audio/beats", { body: { audio } }));
}

export async function getJobWithResults(jobId: string, signal?: AbortSignal) {
  return unwrap(
    await api.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId }, query: { include: ["results"] } }, signal }),
  );
}

/** The newest animation job of the caller, to pick a production up again. */
export async function latestAnimation(signal?: AbortSignal): Promise<string | null> {
  const list = unwrap(await api.GET("/v1/jobs", { params: { query: { limit: 20 } }, signal }));
  return list.data.find((job) => job.kind === "animation")?.id ?? null;
}

/** The request of a production's item 0, as submitted (inputs as the server keeps them). */
export async function productionRequest(jobId: string, signal?: AbortSignal): Promise<Record<string, unknown> | null> {
  const list = unwrap(
    await api.GET("/v1/jobs/{job_id}/items", { params: { path: { job_id: jobId }, query: { offset: 0, limit: 1 } }, signal }),
  );
  const item = list.data[0]?.item;
  return item !== undefined && "request" in item ? item.request : null;
}
