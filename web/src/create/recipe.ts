// An image's recipe back into the Create form ("Use these settings"), from the gallery's view of an artifact
// (`GET /v1/artifacts`): the prompt as the user wrote it, the style by name, the exact size and seed.
import { CUSTOM_ASPECT, type Format, type FormValues, type Quality } from "./form";
import type { GalleryArtifact } from "./types";

export type RecipeSource = Pick<
  GalleryArtifact,
  "prompt" | "negative_prompt" | "model" | "style" | "seed" | "steps" | "guidance" | "width" | "height" | "metadata"
>;

const FORMATS: readonly Format[] = ["png", "webp", "jpeg", "avif"];
const QUALITIES: readonly Quality[] = ["fast", "balanced", "high", "ultra"];

function recipeItem(metadata: Record<string, unknown>): Record<string, unknown> {
  const item = metadata.item;
  return typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {};
}

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const whole = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);

/** The form values that make this image again: every field the recipe knows (the number of images stays). */
export function recipeToForm(artifact: RecipeSource): Partial<FormValues> {
  const item = recipeItem(artifact.metadata);
  const values: Partial<FormValues> = {
    prompt: artifact.prompt ?? text(item.user_prompt) ?? "",
    negativePrompt: artifact.negative_prompt ?? "",
    style: artifact.style ?? "",
    aspect: CUSTOM_ASPECT,
    width: artifact.width,
    height: artifact.height,
  };
  const model = artifact.model ?? text(item.model);
  if (model) values.model = model;
  const seed = artifact.seed ?? whole(item.seed);
  if (seed !== null) {
    values.seedMode = "fixed";
    values.seed = seed;
  }
  values.steps = artifact.steps ?? whole(item.steps);
  values.guidance = artifact.guidance ?? whole(item.guidance);
  const quality = text(item.quality);
  values.quality = QUALITIES.find((q) => q === quality) ?? "";
  const scheduler = text(item.scheduler);
  values.sampler = scheduler && scheduler !== "default" ? scheduler : "";
  const format = FORMATS.find((f) => f === text(item.output_format));
  if (format) values.format = format;
  values.outputQuality = format && format !== "png" ? whole(item.output_quality) : null;
  return values;
}

const HANDOFF_KEY = "kiln.create.recipe";

/** Keeps a recipe for the Create page to pick up (the gallery's "Use these settings" then navigates to `/`). */
export function stashRecipe(values: Partial<FormValues>, storage: Storage = sessionStorage): void {
  storage.setItem(HANDOFF_KEY, JSON.stringify(values));
}

/** The recipe stashed for the Create page, once; null when there is none or it is unreadable. */
export function takeStashedRecipe(storage: Storage = sessionStorage): Partial<FormValues> | null {
  const stored = storage.getItem(HANDOFF_KEY);
  if (stored === null) return null;
  storage.removeItem(HANDOFF_KEY);
  try {
    const value: unknown = JSON.parse(stored);
    return typeof value === "object" && value !== null ? (value as Partial<FormValues>) : null;
  } catch {
    return null;
  }
}
