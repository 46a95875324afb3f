// The Video page's two talking modes and the job items they make (kiln/motion/lipsync/request.py): a `lipsync` item
// (a clip's mouth re-drawn to speak a speech file) and an `avatar` item (a portrait that speaks a speech file or a
// typed line). Typed lines are offered for the avatar only: its request takes `text` and the server speaks it, while
// a lip-sync takes a speech file alone (make one on the Sound stage, or upload it).
import type { MediaRef } from "../pickers/media";

export type VideoMode = "clip" | "lipsync" | "avatar";
export type SpeechSource = "text" | "file";

export interface Padding {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

export interface LipsyncForm {
  video: MediaRef | null;
  audio: MediaRef | null;
  padding: Padding;
}

export interface AvatarForm {
  image: MediaRef | null;
  speech: SpeechSource;
  text: string;
  voice: string; // a TTS engine voice (GET /v1/audio/voices' engine_voice); "" = the server's default
  audio: MediaRef | null;
  videoModel: string; // "" = the server's default (tiny-svd)
  fps: string;
  steps: string;
  seed: string;
  padding: Padding;
}

/** The request's own defaults (FacePadding: 10 px more below takes in the chin). */
export const DEFAULT_PADDING: Padding = { top: "0", bottom: "10", left: "0", right: "0" };

export const EMPTY_LIPSYNC: LipsyncForm = { video: null, audio: null, padding: DEFAULT_PADDING };

export const EMPTY_AVATAR: AvatarForm = {
  image: null,
  speech: "text",
  text: "",
  voice: "",
  audio: null,
  videoModel: "",
  fps: "",
  steps: "",
  seed: "",
  padding: DEFAULT_PADDING,
};

function int(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

function num(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** The padding fields typed (an empty one is left to the server's default). */
export function toPadding(padding: Padding): Record<string, number> {
  const out: Record<string, number> = {};
  for (const side of ["top", "bottom", "left", "right"] as const) {
    const value = int(padding[side]);
    if (value !== undefined) out[side] = value;
  }
  return out;
}

/** The `lipsync` job item; a missing input is left out, so the server's error names its field. */
export function toLipsyncItem(form: LipsyncForm): Record<string, unknown> {
  const item: Record<string, unknown> = { padding: toPadding(form.padding) };
  if (form.video) item.video = form.video.ref;
  if (form.audio) item.audio = form.audio.ref;
  return item;
}

/** The `avatar` job item: the typed line (with its voice) or the speech file, never both. */
export function toAvatarItem(form: AvatarForm): Record<string, unknown> {
  const item: Record<string, unknown> = { padding: toPadding(form.padding) };
  if (form.image) item.image = form.image.ref;
  if (form.speech === "text") {
    item.text = form.text;
    if (form.voice) item.voice = form.voice;
  } else if (form.audio) {
    item.audio = form.audio.ref;
  }
  if (form.videoModel) item.video_model = form.videoModel;
  const fps = num(form.fps);
  if (fps !== undefined) item.fps = fps;
  const steps = int(form.steps);
  if (steps !== undefined) item.steps = steps;
  const seed = int(form.seed);
  if (seed !== undefined) item.seed = seed;
  return item;
}
