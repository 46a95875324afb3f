// The Video page's form and the `video` job item it makes (kiln/motion/video_request.py's VideoRequest). Form
// values stay strings as typed; empty ones are left to the model family's defaults on the server.
import type { MediaRef } from "../pickers/media";

export type LengthUnit = "seconds" | "frames";
export type Loop = "none" | "crossfade" | "pingpong";
export type VideoFormat = "mp4" | "webm" | "gif" | "webp";

export interface VideoForm {
  still: MediaRef | null; // null: text to video
  prompt: string;
  negative: string;
  model: string;
  lengthUnit: LengthUnit;
  length: string;
  fps: string;
  width: string;
  height: string;
  steps: string;
  seed: string;
  motionBucket: string; // SVD
  noiseAug: string; // SVD
  segments: string;
  loop: Loop;
  loopFrames: string;
  smooth: number; // 0..1
  sharpen: number; // 0..1
  format: VideoFormat;
}

export const EMPTY_FORM: VideoForm = {
  still: null,
  prompt: "",
  negative: "",
  model: "",
  lengthUnit: "seconds",
  length: "",
  fps: "",
  width: "",
  height: "",
  steps: "",
  seed: "",
  motionBucket: "",
  noiseAug: "",
  segments: "",
  loop: "none",
  loopFrames: "",
  smooth: 0,
  sharpen: 0,
  format: "mp4",
};

/** Whether the model's family reads SVD's motion bucket and noise augmentation (and no prompt). */
export function isSvd(family: string | undefined): boolean {
  return family !== undefined && family.includes("svd");
}

function num(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function int(text: string): number | undefined {
  const value = num(text);
  return value === undefined ? undefined : Math.round(value);
}

/** The job item of this form (only the fields set). */
export function toVideoItem(form: VideoForm, family: string | undefined): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== "") item[key] = value;
  };
  set("model", form.model || undefined);
  set("image", form.still?.ref);
  set("prompt", form.prompt.trim());
  set("negative_prompt", form.negative.trim());
  set(form.lengthUnit === "frames" ? "frames" : "duration", form.lengthUnit === "frames" ? int(form.length) : num(form.length));
  set("fps", num(form.fps));
  set("width", int(form.width));
  set("height", int(form.height));
  set("steps", int(form.steps));
  set("seed", int(form.seed));
  if (isSvd(family)) {
    set("motion_bucket_id", int(form.motionBucket));
    set("noise_aug_strength", num(form.noiseAug));
  }
  set("segments", int(form.segments));
  if (form.loop !== "none") set("loop", form.loop);
  if (form.loop === "crossfade") set("loop_frames", int(form.loopFrames));
  if (form.smooth > 0 || form.sharpen > 0) item.enhance = { smooth: form.smooth, sharpen: form.sharpen };
  if (form.format !== "mp4") item.format = form.format;
  return item;
}
