// A production's request read back into the studio's form: the sidebar's fields, and each schedule either as the
// sidebar's one value (`0:(v)`) or as keyframes of the table (`fromSchedule`). Used when a production is opened
// without this tab's draft (another browser, a link); what the editor cannot show is said, not guessed.
import {
  COLUMNS,
  DEFAULT_CONFIG,
  EMPTY_TABLE,
  type AnimationBody,
  type Column,
  type Corner,
  type EngineConfig,
  type KeyframeRow,
  type KeyframeTable,
  type SeedBehaviour,
} from "./production";
import { fromSchedule, ScheduleSyntaxError, type KilnInterpolation } from "./schedules";

export interface Restored {
  config: EngineConfig;
  table: KeyframeTable;
  notes: string[]; // what could not be brought back
}

const str = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);
const num = (value: unknown, fallback: number): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback);

/** A single keyframe at frame 0: its value; else null. */
function constant(text: string, kiln: KilnInterpolation): number | null {
  const { points } = fromSchedule(text, kiln);
  const [only] = points;
  return points.length === 1 && only !== undefined && only.frame === 0 ? only.value : null;
}

export function requestToDraft(request: AnimationBody): Restored {
  const kiln: KilnInterpolation = request.interpolation === "smooth" ? "smooth" : "linear";
  const notes: string[] = [];
  const prompts = typeof request.prompts === "object" && request.prompts !== null ? (request.prompts as Record<string, unknown>) : {};
  const config: EngineConfig = {
    ...DEFAULT_CONFIG,
    model: str(request.model, ""),
    prompt: str(prompts["0"], ""),
    negativePrompt: str(request.negative_prompt, ""),
    steps: num(request.steps, DEFAULT_CONFIG.steps),
    seedBehaviour: (["iter", "fixed", "random"].includes(str(request.seed_behaviour, "")) ? request.seed_behaviour : "iter") as SeedBehaviour,
    seed: typeof request.seed === "number" ? request.seed : null,
    width: num(request.width, DEFAULT_CONFIG.width),
    height: num(request.height, DEFAULT_CONFIG.height),
    fps: num(request.fps, DEFAULT_CONFIG.fps),
    frames: num(request.frames, DEFAULT_CONFIG.frames),
    hud: typeof request.hud === "object" && request.hud !== null,
    hudCorner: str((request.hud as { corner?: unknown } | null)?.corner, "top-left") as Corner,
    sprite: null,
    audio: null,
  };
  for (const [field, label] of [["sprite", "the sprite"], ["audio", "the audio track"]] as const) {
    if (request[field] !== undefined && request[field] !== null) notes.push(`${label} is kept by the production; choose it again for a new one`);
  }
  if (typeof request.guidance === "string") {
    const value = safeConstant(request.guidance, kiln);
    if (value !== null) config.guidance = value;
    else notes.push(`CFG is a schedule (${request.guidance}); the editor shows one value`);
  }
  const rows = new Map<number, KeyframeRow>();
  const row = (frame: number): KeyframeRow => {
    let found = rows.get(frame);
    if (found === undefined) {
      found = { id: rows.size + 1, frame, prompt: "", values: {} };
      rows.set(frame, found);
    }
    return found;
  };
  for (const [frame, prompt] of Object.entries(prompts)) {
    if (frame !== "0" && typeof prompt === "string") row(Number(frame)).prompt = prompt;
  }
  const interpolation = { ...EMPTY_TABLE.interpolation };
  for (const column of COLUMNS) {
    const text = request[column === "seed" ? "seed_schedule" : column];
    if (typeof text !== "string") continue;
    const single = safeConstant(text, kiln);
    if (single !== null && column !== "seed" && setSidebar(config, column, single)) continue;
    try {
      const read = fromSchedule(text, kiln);
      interpolation[column] = read.interpolation;
      for (const point of read.points) row(point.frame).values[column] = point.value;
    } catch (error) {
      if (!(error instanceof ScheduleSyntaxError)) throw error;
      if (column === "zoom") {
        config.zoomMode = "schedule";
        config.zoomSchedule = text;
      } else notes.push(`${column} is ${text}: ${error.message}`);
    }
  }
  const table = { rows: [...rows.values()].sort((a, b) => a.frame - b.frame), interpolation };
  return { config, table, notes };
}

function safeConstant(text: string, kiln: KilnInterpolation): number | null {
  try {
    return constant(text, kiln);
  } catch {
    return null;
  }
}

/** Puts a constant schedule in its sidebar field; false for a column the sidebar has none for. */
function setSidebar(config: EngineConfig, column: Column, value: number): boolean {
  if (column === "strength") config.strength = value;
  else if (column === "translation_x") config.panX = value;
  else if (column === "translation_y") config.panY = value;
  else if (column === "angle") config.angle = value;
  else if (column === "zoom") {
    config.zoomMode = "schedule";
    config.zoomSchedule = `0:(${value})`;
  } else return false;
  return true;
}
