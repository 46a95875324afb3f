// "Use these settings": the gallery's lightbox hands an artifact's recipe to the Create page.
// The hand-off: `storeUseSettings(recipe)` writes sessionStorage["kiln.useSettings"] (JSON) and the gallery
// navigates to "/"; the Create page calls `takeUseSettings()` once when it mounts, which reads, removes and checks
// it (null when there is none or it is malformed) and fills its form with the fields that are not null.
import type { GalleryArtifact } from "./types";

export const USE_SETTINGS_KEY = "kiln.useSettings";

/** An image's recipe in the Create form's terms (the job request's field names). */
export interface UseSettingsRecipe {
  /** What the user wrote, without the style's words. */
  prompt: string;
  negative_prompt: string;
  model: string | null;
  style: string | null;
  seed: number | null;
  steps: number | null;
  guidance: number | null;
  /** kiln's scheduler name (the job request's `scheduler`), when the recipe records it. */
  scheduler: string | null;
  width: number;
  height: number;
}

function itemOf(metadata: Record<string, unknown>): Record<string, unknown> {
  const item = metadata.item;
  return typeof item === "object" && item !== null ? (item as Record<string, unknown>) : {};
}

export function recipeOf(artifact: GalleryArtifact): UseSettingsRecipe {
  const scheduler = itemOf(artifact.metadata).scheduler;
  return {
    prompt: artifact.prompt ?? "",
    negative_prompt: artifact.negative_prompt ?? "",
    model: artifact.model,
    style: artifact.style,
    seed: artifact.seed,
    steps: artifact.steps,
    guidance: artifact.guidance,
    scheduler: typeof scheduler === "string" ? scheduler : null,
    width: artifact.width,
    height: artifact.height,
  };
}

export function storeUseSettings(recipe: UseSettingsRecipe, storage: Storage = sessionStorage): void {
  storage.setItem(USE_SETTINGS_KEY, JSON.stringify(recipe));
}

const optional = (value: unknown, type: "string" | "number"): boolean => value === null || typeof value === type;

function isRecipe(value: unknown): value is UseSettingsRecipe {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.prompt === "string" &&
    typeof r.negative_prompt === "string" &&
    typeof r.width === "number" &&
    typeof r.height === "number" &&
    optional(r.model, "string") &&
    optional(r.style, "string") &&
    optional(r.seed, "number") &&
    optional(r.steps, "number") &&
    optional(r.guidance, "number") &&
    optional(r.scheduler, "string")
  );
}

/** The recipe handed over by "Use these settings", once: it is removed as it is read. */
export function takeUseSettings(storage: Storage = sessionStorage): UseSettingsRecipe | null {
  const raw = storage.getItem(USE_SETTINGS_KEY);
  if (raw === null) return null;
  storage.removeItem(USE_SETTINGS_KEY);
  try {
    const value: unknown = JSON.parse(raw);
    return isRecipe(value) ? value : null;
  } catch {
    return null;
  }
}
