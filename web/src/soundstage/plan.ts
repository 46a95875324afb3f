// The sound stage's draft (shots in order, music, narration, subtitles, output) and the `assembly` job item it
// makes (kiln/motion/assembly/request.py's AssemblyRequest; docs/assembly.md). The draft is the page's own until
// Process sends it; form values stay strings as typed.
import type { MediaRef } from "../pickers/media";

export type Motion = "still" | "zoom-in" | "zoom-out" | "pan-right" | "pan-left";
export type TransitionKind = "cut" | "crossfade";
export type ClipFit = "hold" | "loop" | "stretch";
export type Size = "320x180" | "640x360" | "720p" | "1080p" | "4k";

export interface ShotDraft {
  key: string; // stable across reorders (React's key, focus after a keyboard move)
  media: MediaRef;
  duration: string; // seconds; empty: the narration line's length, or the clip's
  motion: Motion;
  transition: TransitionKind;
  transitionSeconds: string;
  narration: string;
  fit: ClipFit;
}

export interface StageDraft {
  shots: ShotDraft[];
  music: MediaRef | null;
  musicVolume: number; // 0..2
  voiceId: string; // the voice picked (/v1/audio/voices' id, for the preview; "" = the server's default)
  voice: string; // its TTS engine's name, what the assembly's narration takes ("" = the server's default)
  rate: string; // words per minute
  srt: boolean;
  burn: boolean;
  size: Size;
  fps: string;
}

export const EMPTY_STAGE: StageDraft = {
  shots: [],
  music: null,
  musicVolume: 1,
  voiceId: "",
  voice: "",
  rate: "",
  srt: true,
  burn: false,
  size: "720p",
  fps: "",
};

let counter = 0;

export function newShot(media: MediaRef): ShotDraft {
  counter += 1;
  return {
    key: `shot-${counter}`,
    media,
    duration: media.kind === "video" ? "" : "3",
    motion: media.kind === "video" ? "still" : "zoom-in",
    transition: "crossfade",
    transitionSeconds: "0.5",
    narration: "",
    fit: "loop",
  };
}

/** `list` with the entry at `from` moved to `to` (both clamped to the list). */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const next = [...list];
  if (from < 0 || from >= next.length) return next;
  const target = Math.max(0, Math.min(next.length - 1, to));
  const [moved] = next.splice(from, 1);
  if (moved !== undefined) next.splice(target, 0, moved);
  return next;
}

const MOTIONS: Record<Exclude<Motion, "still">, Record<string, unknown>> = {
  "zoom-in": { start_zoom: 1.0, end_zoom: 1.25 },
  "zoom-out": { start_zoom: 1.25, end_zoom: 1.0 },
  "pan-right": { start_zoom: 1.2, end_zoom: 1.2, start_center: [0.35, 0.5], end_center: [0.65, 0.5] },
  "pan-left": { start_zoom: 1.2, end_zoom: 1.2, start_center: [0.65, 0.5], end_center: [0.35, 0.5] },
};

function num(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function totalSeconds(draft: StageDraft): number | null {
  let total = 0;
  for (const [index, shot] of draft.shots.entries()) {
    const seconds = num(shot.duration);
    if (seconds === undefined) return null; // a clip's own length or a line's: known once made
    total += seconds;
    const crossfade = shot.transition === "crossfade" && index < draft.shots.length - 1 ? num(shot.transitionSeconds) ?? 0.5 : 0;
    total -= crossfade; // the shots overlap by it
  }
  return total;
}

/** The assembly job item of this draft (only the fields set). */
export function toAssemblyItem(draft: StageDraft): Record<string, unknown> {
  const shots = draft.shots.map((shot, index) => {
    const out: Record<string, unknown> = { [shot.media.kind === "video" ? "clip" : "image"]: shot.media.ref };
    const duration = num(shot.duration);
    if (duration !== undefined) out.duration = duration;
    if (shot.motion !== "still" && shot.media.kind !== "video") out.motion = MOTIONS[shot.motion];
    if (shot.transition === "crossfade" && index < draft.shots.length - 1) {
      out.transition = { kind: "crossfade", duration: num(shot.transitionSeconds) ?? 0.5 };
    }
    if (shot.narration.trim()) out.narration = shot.narration.trim();
    if (shot.media.kind === "video") out.fit = shot.fit;
    return out;
  });
  const item: Record<string, unknown> = { shots };
  if (draft.size.includes("x")) {
    const [width, height] = draft.size.split("x").map(Number);
    item.width = width;
    item.height = height;
  } else {
    item.resolution = draft.size;
  }
  const fps = num(draft.fps);
  if (fps !== undefined) item.fps = fps;
  if (draft.music) item.music = { path: draft.music.ref, volume: draft.musicVolume };
  const narration: Record<string, unknown> = {};
  if (draft.voice) narration.voice = draft.voice;
  const rate = num(draft.rate);
  if (rate !== undefined) narration.rate = Math.round(rate);
  if (Object.keys(narration).length > 0) item.narration = narration;
  item.subtitles = { srt: draft.srt, burn: draft.burn };
  return item;
}
