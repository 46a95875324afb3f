// The Create form's values and the job body they make. Pure functions: the page keeps the values, these turn
// them into what `POST /v1/jobs` takes.
import type { GridBody, ImageDefaults, ImagesJobBody, ImageSpec } from "./types";

export type SeedMode = "random" | "fixed" | "start";
export type Quality = "" | "fast" | "balanced" | "high" | "ultra";
export type Format = "png" | "webp" | "jpeg" | "avif";
export const CUSTOM_ASPECT = "custom";

export interface FormValues {
  prompt: string;
  negativePrompt: string;
  model: string; // "" : the server's default model
  style: string; // "" : no style
  quality: Quality; // "" : the family's default steps
  steps: number | null; // overrides quality
  guidance: number | null;
  sampler: string; // "" : the family's default scheduler
  aspect: string; // a preset ("16:9") or CUSTOM_ASPECT
  megapixels: number | null; // with a preset aspect; null: the family's default
  width: number; // with CUSTOM_ASPECT
  height: number;
  count: number;
  seedMode: SeedMode;
  seed: number;
  format: Format;
  outputQuality: number | null; // jpeg/webp/avif; null: the server's default
}

export const DEFAULT_FORM: FormValues = {
  prompt: "",
  negativePrompt: "",
  model: "",
  style: "",
  quality: "",
  steps: null,
  guidance: null,
  sampler: "",
  aspect: "1:1",
  megapixels: null,
  width: 512,
  height: 512,
  count: 4,
  seedMode: "random",
  seed: 0,
  format: "png",
  outputQuality: null,
};

// seeds the form takes: whole numbers JavaScript holds exactly (the API takes up to 2**63-1)
export const MAX_FORM_SEED = Number.MAX_SAFE_INTEGER;
const RANDOM_SEED_LIMIT = 2 ** 32;

/** A seed for the "new seed" button: what the server draws for a random one, 0..2**32-1. */
export function randomSeed(random: () => number = Math.random): number {
  return Math.floor(random() * RANDOM_SEED_LIMIT);
}

/** The seed fields of a job body. Random: none (the server draws one per image and records it). Fixed: the
 * `defaults.seed` of every prompt (copies of one prompt count up from it), so each prompt starts from the same
 * seed and prompts compare fairly. Start + index: `start_seed`, item i of the job gets seed + i. */
export function seedFields(mode: SeedMode, seed: number): { defaults: Pick<ImageDefaults, "seed">; start_seed?: number } {
  if (mode === "fixed") return { defaults: { seed } };
  if (mode === "start") return { defaults: {}, start_seed: seed };
  return { defaults: {} };
}

/** Every setting of the form but the prompt and the seed, as the job's `defaults` (only what the user set). */
export function imageDefaults(form: FormValues): ImageDefaults {
  const defaults: ImageDefaults = {};
  if (form.negativePrompt.trim()) defaults.negative_prompt = form.negativePrompt;
  if (form.model) defaults.model = form.model;
  if (form.style) defaults.style = form.style;
  if (form.quality) defaults.quality = form.quality;
  if (form.steps !== null) defaults.steps = form.steps;
  if (form.guidance !== null) defaults.guidance = form.guidance;
  if (form.sampler) defaults.scheduler = form.sampler;
  if (form.aspect === CUSTOM_ASPECT) {
    defaults.width = form.width;
    defaults.height = form.height;
  } else {
    defaults.aspect = form.aspect;
    if (form.megapixels !== null) defaults.megapixels = form.megapixels;
  }
  defaults.format = form.format;
  if (form.format !== "png" && form.outputQuality !== null) defaults.output_quality = form.outputQuality;
  return defaults;
}

/** What the Create form submits: its prompt `count` times, or bulk `items` (each once per `count`), or a grid. */
export function jobBody(
  form: FormValues,
  source: { items?: ImageSpec[]; grid?: GridBody } = {},
): ImagesJobBody {
  const seeds = seedFields(form.seedMode, form.seed);
  const body: ImagesJobBody = {
    kind: "images",
    defaults: { ...imageDefaults(form), ...seeds.defaults },
    n: form.count,
    previews: true,
  };
  if (source.items !== undefined) body.items = source.items;
  else body.prompts = [form.prompt];
  if (seeds.start_seed !== undefined) body.start_seed = seeds.start_seed;
  if (source.grid !== undefined) body.grid = source.grid;
  return body;
}
