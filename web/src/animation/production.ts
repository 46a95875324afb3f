// The studio's production: the engine config of the sidebar and the keyframe table → the body of one animation
// item (kiln.motion.animation.request.AnimationRequest), and the `edit` changes between two of them.
import {
  requestInterpolation,
  toSchedule,
  zoomFactor,
  type Interpolation,
  type KilnInterpolation,
  type Point,
} from "./schedules";

export const COLUMNS = ["strength", "seed", "zoom", "translation_x", "translation_y", "angle"] as const;
export type Column = (typeof COLUMNS)[number];

export const COLUMN_LABELS: Record<Column, string> = {
  strength: "Denoise",
  seed: "Seed",
  zoom: "Zoom",
  translation_x: "Pan X",
  translation_y: "Pan Y",
  angle: "Rotation",
};

export type Corner = "top-left" | "top-right" | "bottom-left" | "bottom-right";
export type SeedBehaviour = "iter" | "fixed" | "random";
export type SpritePath = "cross" | "sway";

export interface EngineConfig {
  model: string;
  prompt: string;
  negativePrompt: string;
  strength: number;
  steps: number;
  guidance: number | null; // null: the model family's
  seedBehaviour: SeedBehaviour;
  seed: number | null; // null: drawn by the server
  width: number;
  height: number;
  fps: number;
  frames: number;
  zoomMode: "levels" | "schedule";
  zoomStart: number;
  zoomEnd: number;
  zoomSchedule: string;
  panX: number;
  panY: number;
  angle: number;
  hud: boolean;
  hudCorner: Corner;
  sprite: { image: string; name: string; path: SpritePath; size: number } | null;
  audio: { ref: string; name: string } | null;
}

export const DEFAULT_CONFIG: EngineConfig = {
  model: "",
  prompt: "",
  negativePrompt: "",
  strength: 0.65,
  steps: 20,
  guidance: null,
  seedBehaviour: "iter",
  seed: null,
  width: 512,
  height: 512,
  fps: 12,
  frames: 48,
  zoomMode: "levels",
  zoomStart: 1,
  zoomEnd: 1.05,
  zoomSchedule: "0:(1.0)",
  panX: 0,
  panY: 0,
  angle: 0,
  hud: true,
  hudCorner: "top-left",
  sprite: null,
  audio: null,
};

export interface KeyframeRow {
  id: number;
  frame: number;
  prompt: string;
  values: Partial<Record<Column, number>>;
}

export interface KeyframeTable {
  rows: KeyframeRow[];
  interpolation: Record<Column, Interpolation>;
}

export const EMPTY_TABLE: KeyframeTable = {
  rows: [],
  interpolation: { strength: "linear", seed: "step", zoom: "linear", translation_x: "linear", translation_y: "linear", angle: "linear" },
};

/** A column's keyframes: the rows that set it, by frame. */
export function columnPoints(table: KeyframeTable, column: Column): Point[] {
  return table.rows
    .flatMap((row) => {
      const value = row.values[column];
      return value === undefined ? [] : [{ frame: row.frame, value }];
    })
    .sort((a, b) => a.frame - b.frame);
}

/** `values` without `column`. */
export function withoutColumn(values: KeyframeRow["values"], column: Column): KeyframeRow["values"] {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key !== column));
}

/** The columns that have keyframes. */
export function usedColumns(table: KeyframeTable): Column[] {
  return COLUMNS.filter((column) => table.rows.some((row) => row.values[column] !== undefined));
}

/** What a column is when the table sets none of it: the sidebar's value, as a schedule. */
function sidebarSchedule(config: EngineConfig, column: Column): string | null {
  switch (column) {
    case "strength":
      return `0:(${config.strength})`;
    case "zoom":
      return config.zoomMode === "schedule"
        ? config.zoomSchedule
        : `0:(${zoomFactor(config.zoomStart, config.zoomEnd, config.frames)})`;
    case "translation_x":
      return `0:(${config.panX})`;
    case "translation_y":
      return `0:(${config.panY})`;
    case "angle":
      return `0:(${config.angle})`;
    case "seed":
      return null;
  }
}

export type AnimationBody = Record<string, unknown>;

/** The animation item for `config` and `table`. */
export function buildRequest(config: EngineConfig, table: KeyframeTable, name = "animation"): AnimationBody {
  const used = usedColumns(table);
  const kiln: KilnInterpolation = requestInterpolation(used.map((column) => table.interpolation[column]));
  const body: AnimationBody = {
    model: config.model,
    frames: config.frames,
    fps: config.fps,
    width: config.width,
    height: config.height,
    steps: config.steps,
    interpolation: kiln,
    prompts: prompts(config, table),
    negative_prompt: config.negativePrompt,
    seed_behaviour: config.seedBehaviour,
    name,
  };
  for (const column of COLUMNS) {
    const points = columnPoints(table, column);
    const schedule = points.length > 0 ? toSchedule(points, table.interpolation[column], kiln) : sidebarSchedule(config, column);
    if (schedule !== null) body[column === "seed" ? "seed_schedule" : column] = schedule;
  }
  if (body.seed_schedule !== undefined) body.seed_behaviour = "schedule";
  if (config.seed !== null) body.seed = config.seed;
  if (config.guidance !== null) body.guidance = `0:(${config.guidance})`;
  if (config.hud) body.hud = { corner: config.hudCorner };
  if (config.sprite !== null) body.sprite = { image: config.sprite.image, path: config.sprite.path, size: config.sprite.size };
  if (config.audio !== null) body.audio = config.audio.ref;
  return body;
}

function prompts(config: EngineConfig, table: KeyframeTable): Record<string, string> {
  const out: Record<string, string> = { "0": config.prompt };
  for (const row of [...table.rows].sort((a, b) => a.frame - b.frame)) {
    if (row.prompt.trim() !== "") out[String(row.frame)] = row.prompt;
  }
  return out;
}

// What a running animation may change (kiln.motion.animation.request.EDITABLE_FIELDS).
const EDITABLE = [
  "prompts",
  "negative_prompt",
  "steps",
  "interpolation",
  "seed_behaviour",
  "hud",
  "sprite",
  "strength",
  "guidance",
  "zoom",
  "translation_x",
  "translation_y",
  "angle",
  "seed_schedule",
] as const;

/** The editable fields whose value differs between the running request and the page's (for `edit`); fields the
 * page dropped are not sent (kiln keeps them), and fields that cannot change while running are left out. */
export function editChanges(running: AnimationBody, wanted: AnimationBody): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of EDITABLE) {
    if (wanted[field] !== undefined && JSON.stringify(wanted[field]) !== JSON.stringify(running[field])) {
      changes[field] = wanted[field];
    }
  }
  return changes;
}

/** Frame numbers shown in the editor's unit: frames, seconds (at `fps`) or beats (at `bpm`). */
export type TimeUnit = "frames" | "seconds" | "beats";

export function frameToUnit(frame: number, unit: TimeUnit, fps: number, bpm: number): number {
  if (unit === "frames") return frame;
  const seconds = frame / fps;
  return unit === "seconds" ? round(seconds, 3) : round((seconds * bpm) / 60, 3);
}

export function unitToFrame(value: number, unit: TimeUnit, fps: number, bpm: number): number {
  if (unit === "frames") return Math.round(value);
  const seconds = unit === "seconds" ? value : (value * 60) / bpm;
  return Math.round(seconds * fps);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
