// The storyboard as the editor holds it, and its conversion from and to the manifest kiln renders
// (kiln/motion/storyboard/manifest.py, docs/storyboard.md). The editor edits the common fields; every other field
// of an imported manifest (a scene's seed, a Ken Burns pan, an animation's prompts by frame) is kept as it came and
// written back on export, so an import followed by an export loses nothing.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const SHOT_KINDS = ["still", "ken_burns", "image_to_video", "animation"] as const;
export type ShotKind = (typeof SHOT_KINDS)[number];
export const SHOT_LABELS: Record<ShotKind, string> = {
  still: "Still",
  ken_burns: "Ken Burns",
  image_to_video: "Image to video",
  animation: "Animation",
};

/** A scene's length: the defaults', seconds of its own, or `fit` (as long as its narration line). */
export type DurationMode = "default" | "seconds" | "fit";
/** Into the next scene: the defaults' transition, a cut, or a crossfade of some seconds. */
export type TransitionMode = "default" | "cut" | "crossfade";
export type SubtitleMode = "off" | "on" | "burned";

export interface EditorScene {
  uid: string; // the editor's own handle (React keys, drag and drop); never exported
  id: string;
  prompt: string;
  style: string;
  narration: string;
  shotKind: ShotKind;
  /** Each kind's options as last set, so switching the kind back and forth loses none. */
  shots: Partial<Record<ShotKind, JsonObject>>;
  durationMode: DurationMode;
  seconds: string;
  transition: TransitionMode;
  crossfade: string;
  rest: JsonObject; // the scene's other fields, as imported
}

export interface EditorDefaults {
  model: string;
  style: string;
  width: string;
  height: string;
  steps: string;
  fps: string;
  resolution: string;
  duration: string;
  transition: "cut" | "crossfade";
  crossfade: string;
  videoModel: string;
  voice: string;
  rest: JsonObject;
}

export interface EditorStoryboard {
  title: string;
  defaults: EditorDefaults;
  music: string; // an `upload:<id>` reference, or empty
  musicName: string; // what the editor shows for it (the uploaded file's name)
  musicVolume: string;
  subtitles: SubtitleMode;
  scenes: EditorScene[];
  rest: JsonObject;
}

let counter = 0;
export function newUid(): string {
  counter += 1;
  return `s${Date.now().toString(36)}${counter}`;
}

export function emptyScene(id: string, prompt = ""): EditorScene {
  return {
    uid: newUid(),
    id,
    prompt,
    style: "",
    narration: "",
    shotKind: "still",
    shots: {},
    durationMode: "default",
    seconds: "",
    transition: "default",
    crossfade: "",
    rest: {},
  };
}

export function emptyStoryboard(): EditorStoryboard {
  return {
    title: "Untitled",
    defaults: {
      model: "",
      style: "",
      width: "",
      height: "",
      steps: "",
      fps: "",
      resolution: "",
      duration: "",
      transition: "cut",
      crossfade: "",
      videoModel: "",
      voice: "",
      rest: {},
    },
    music: "",
    musicName: "",
    musicVolume: "",
    subtitles: "off",
    scenes: [emptyScene("scene-1")],
    rest: {},
  };
}

/** An id not yet taken by `scenes`: `base`, else `base-2`, `base-3`, ... */
export function freeId(scenes: readonly EditorScene[], base: string): string {
  const taken = new Set(scenes.map((scene) => scene.id));
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function addScene(scenes: readonly EditorScene[]): EditorScene[] {
  return [...scenes, emptyScene(freeId(scenes, `scene-${scenes.length + 1}`))];
}

export function duplicateScene(scenes: readonly EditorScene[], index: number): EditorScene[] {
  const source = scenes[index];
  if (source === undefined) return [...scenes];
  const copy: EditorScene = { ...structuredClone(source), uid: newUid(), id: freeId(scenes, `${source.id}-copy`) };
  return [...scenes.slice(0, index + 1), copy, ...scenes.slice(index + 1)];
}

export function removeScene(scenes: readonly EditorScene[], index: number): EditorScene[] {
  return scenes.filter((_, i) => i !== index);
}

/** The scenes with the one at `from` moved to `to` (both clamped to the list). */
export function moveScene(scenes: readonly EditorScene[], from: number, to: number): EditorScene[] {
  const target = Math.max(0, Math.min(scenes.length - 1, to));
  if (from === target || scenes[from] === undefined) return [...scenes];
  const next = [...scenes];
  const [moved] = next.splice(from, 1);
  next.splice(target, 0, moved as EditorScene);
  return next;
}

// ---- to the manifest ----

function text(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A number field: the number typed, else the text itself (so the API names the field and says what is wrong). */
function numeric(value: string): number | string | undefined {
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : trimmed;
}

function compact(object: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out;
}

function transitionOut(mode: "cut" | "crossfade", seconds: string): Json {
  if (mode === "cut") return "cut";
  const duration = numeric(seconds);
  return duration === undefined ? "crossfade" : { kind: "crossfade", duration };
}

export function sceneToManifest(scene: EditorScene): JsonObject {
  const shot = scene.shots[scene.shotKind] ?? {};
  const hasShot = scene.shotKind !== "still" || Object.keys(shot).length > 0;
  return compact({
    ...scene.rest,
    id: scene.id.trim(),
    prompt: scene.prompt,
    style: text(scene.style),
    shot: hasShot ? { kind: scene.shotKind, ...shot } : undefined,
    narration: text(scene.narration),
    duration:
      scene.durationMode === "fit" ? "fit" : scene.durationMode === "seconds" ? numeric(scene.seconds) : undefined,
    transition: scene.transition === "default" ? undefined : transitionOut(scene.transition, scene.crossfade),
  });
}

export function toManifest(board: EditorStoryboard): JsonObject {
  const d = board.defaults;
  const defaults = compact({
    ...d.rest,
    model: text(d.model),
    style: text(d.style),
    width: numeric(d.width),
    height: numeric(d.height),
    steps: numeric(d.steps),
    fps: numeric(d.fps),
    resolution: text(d.resolution),
    duration: numeric(d.duration),
    transition: d.transition === "cut" ? undefined : transitionOut(d.transition, d.crossfade),
    video_model: text(d.videoModel),
    voice: text(d.voice),
  });
  return compact({
    ...board.rest,
    title: text(board.title) ?? "Untitled",
    defaults,
    music: text(board.music),
    music_volume: numeric(board.musicVolume),
    subtitles: board.subtitles === "off" ? undefined : board.subtitles,
    scenes: board.scenes.map(sceneToManifest),
  });
}

// ---- from the manifest ----

export class ManifestError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: Json | undefined): string {
  return value === undefined || value === null ? "" : String(value);
}

function without(object: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) if (!keys.includes(key)) out[key] = value;
  return out;
}

function transitionIn(value: Json | undefined): { mode: "cut" | "crossfade"; seconds: string } | null {
  if (value === undefined || value === null) return null;
  if (value === "cut" || value === "crossfade") return { mode: value, seconds: "" };
  if (isObject(value)) {
    const mode = value.kind === "crossfade" ? "crossfade" : "cut";
    return { mode, seconds: str(value.duration) };
  }
  return null;
}

const SCENE_FIELDS = ["id", "prompt", "style", "shot", "narration", "duration", "transition"] as const;
const DEFAULT_FIELDS = [
  "model",
  "style",
  "width",
  "height",
  "steps",
  "fps",
  "resolution",
  "duration",
  "transition",
  "video_model",
  "voice",
] as const;

export function sceneFromManifest(data: unknown, index: number): EditorScene {
  if (!isObject(data)) throw new ManifestError(`scenes.${index}`, "a scene is a mapping with an id and a prompt");
  const scene = emptyScene(str(data.id) || `scene-${index + 1}`, str(data.prompt));
  scene.style = str(data.style);
  scene.narration = str(data.narration);
  const shot = data.shot;
  if (isObject(shot)) {
    const kind = SHOT_KINDS.find((k) => k === (shot.kind ?? "still"));
    if (kind === undefined) throw new ManifestError(`scenes.${index}.shot.kind`, `use one of ${SHOT_KINDS.join(", ")}`);
    scene.shotKind = kind;
    scene.shots[kind] = without(shot, ["kind"]);
  }
  if (data.duration === "fit") scene.durationMode = "fit";
  else if (data.duration !== undefined && data.duration !== null) {
    scene.durationMode = "seconds";
    scene.seconds = str(data.duration);
  }
  const transition = transitionIn(data.transition);
  if (transition !== null) {
    scene.transition = transition.mode;
    scene.crossfade = transition.seconds;
  }
  scene.rest = without(data, SCENE_FIELDS);
  return scene;
}

export function fromManifest(data: unknown): EditorStoryboard {
  if (!isObject(data)) throw new ManifestError("storyboard", "expected a mapping with title, defaults and scenes");
  if (!Array.isArray(data.scenes) || data.scenes.length === 0) {
    throw new ManifestError("scenes", "a storyboard needs a list of at least one scene");
  }
  const board = emptyStoryboard();
  board.title = str(data.title) || "Untitled";
  const d = isObject(data.defaults) ? data.defaults : {};
  const transition = transitionIn(d.transition);
  board.defaults = {
    model: str(d.model),
    style: str(d.style),
    width: str(d.width),
    height: str(d.height),
    steps: str(d.steps),
    fps: str(d.fps),
    resolution: str(d.resolution),
    duration: str(d.duration),
    transition: transition?.mode ?? "cut",
    crossfade: transition?.seconds ?? "",
    videoModel: str(d.video_model),
    voice: str(d.voice),
    rest: without(d, DEFAULT_FIELDS),
  };
  board.music = str(data.music);
  board.musicName = board.music;
  board.musicVolume = str(data.music_volume);
  const subtitles = data.subtitles === true ? "on" : data.subtitles === false ? "off" : str(data.subtitles);
  board.subtitles = subtitles === "on" || subtitles === "burned" ? subtitles : "off";
  board.scenes = data.scenes.map((scene, index) => sceneFromManifest(scene, index));
  board.rest = without(data, ["title", "defaults", "music", "music_volume", "subtitles", "scenes"]);
  return board;
}
