// What the pickers hand back, and their calls to /v1: a page of my gallery's artifacts of one kind, and an upload.
//
//   MediaRef  { ref: "artifact:<id>" | "upload:<id>", kind, name, preview, contentType }
//   listMedia(kind, before)   GET /v1/artifacts?media=…  (newest first, cursor `before`)
//   uploadFile(file)          POST /v1/uploads (multipart) → a MediaRef whose preview is a local object URL
import { api, ApiError, unwrap } from "../api/client";
import type { components } from "../api/schema";

export type GalleryArtifact = components["schemas"]["GalleryArtifact"];
export type GalleryPage = components["schemas"]["GalleryPage"];

/** The kinds of file a job takes as input. The gallery holds images and videos; audio comes from uploads only. */
export type MediaKind = "image" | "video" | "audio";

/** A chosen input file, as a job's input field takes it (`ref`), with what a page shows of it. */
export interface MediaRef {
  /** `artifact:<id>` (one of my gallery's) or `upload:<id>` (from POST /v1/uploads). */
  ref: string;
  kind: MediaKind;
  /** The prompt of an artifact, the file name of an upload. */
  name: string;
  /** A URL an <img> can show (an artifact's thumbnail, an uploaded image's object URL), or null. */
  preview: string | null;
  /** A URL the browser can play or show in full (the artifact's file, the upload's object URL). */
  url: string;
  contentType: string;
}

/** File types the server takes per kind (kiln.api.inputs.UPLOAD_SUFFIXES), for an <input type="file" accept>. */
export const ACCEPT: Record<MediaKind, string> = {
  image: ".png,.jpg,.jpeg,.webp,.gif,image/png,image/jpeg,image/webp,image/gif",
  video: ".mp4,.webm,.mov,video/mp4,video/webm,video/quicktime",
  audio: ".mp3,.wav,.aac,.m4a,audio/mpeg,audio/wav,audio/x-wav,audio/aac,audio/mp4",
};

export const PICKER_PAGE_SIZE = 60;

export function kindOf(contentType: string): MediaKind | null {
  const [major] = contentType.split("/");
  return major === "image" || major === "video" || major === "audio" ? major : null;
}

export function thumbnailUrl(artifactId: string, size = 256): string {
  return `/v1/artifacts/${encodeURIComponent(artifactId)}/thumbnail?size=${size}`;
}

export function artifactFileUrl(artifactId: string): string {
  return `/v1/artifacts/${encodeURIComponent(artifactId)}`;
}

/** A gallery artifact as a MediaRef. */
export function artifactRef(artifact: GalleryArtifact): MediaRef {
  const kind = kindOf(artifact.content_type) ?? "image";
  const prompt = artifact.prompt?.trim();
  return {
    ref: `artifact:${artifact.id}`,
    kind,
    name: prompt ? prompt : `${kind === "video" ? "Video" : "Image"} ${artifact.id}`,
    preview: thumbnailUrl(artifact.id),
    url: artifactFileUrl(artifact.id),
    contentType: artifact.content_type,
  };
}

/** A page of my artifacts of `kind` (image or video), newest first. */
export async function listMedia(kind: "image" | "video", before: string | null, signal?: AbortSignal): Promise<GalleryPage> {
  const query = { media: kind, limit: PICKER_PAGE_SIZE, ...(before === null ? {} : { before }) };
  return unwrap(await api.GET("/v1/artifacts", { params: { query }, signal }));
}

/** Uploads `file` (POST /v1/uploads); the server checks its content and answers the kind it found. */
export async function uploadFile(file: File): Promise<MediaRef> {
  const form = new FormData();
  form.append("file", file, file.name);
  // openapi-fetch would JSON-encode the body: the FormData goes as it is, with the browser's multipart boundary
  const created = unwrap(
    await api.POST("/v1/uploads", {
      body: { file: "" },
      bodySerializer: () => form,
    }),
  );
  const kind = kindOf(created.content_type);
  if (kind === null) throw new ApiError(422, { error: { type: "invalid", message: `${file.name} is not an image, video or audio file`, field: "file" } });
  const local = URL.createObjectURL(file);
  return {
    ref: created.ref,
    kind,
    name: created.filename,
    preview: kind === "image" ? local : null,
    url: local,
    contentType: created.content_type,
  };
}
