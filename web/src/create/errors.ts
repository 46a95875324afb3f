// The API's error field ("defaults.width", "prompts.0", "items.7.style", "grid.axes.1.values") -> the control
// of the Create page it is about, so the message shows next to it.

export type ErrorSlot =
  | "prompt"
  | "negativePrompt"
  | "model"
  | "style"
  | "quality"
  | "steps"
  | "guidance"
  | "sampler"
  | "aspect"
  | "count"
  | "seed"
  | "format"
  | "bulk"
  | "grid"
  | "general";

const BY_FIELD: Record<string, ErrorSlot> = {
  prompt: "prompt",
  prompts: "prompt",
  negative_prompt: "negativePrompt",
  model: "model",
  style: "style",
  quality: "quality",
  steps: "steps",
  guidance: "guidance",
  scheduler: "sampler",
  aspect: "aspect",
  width: "aspect",
  height: "aspect",
  megapixels: "aspect",
  n: "count",
  seed: "seed",
  start_seed: "seed",
  format: "format",
  output_quality: "format",
};

/** The slot of the page where an error about `field` is shown. */
export function errorSlot(field: string | null): ErrorSlot {
  if (!field) return "general";
  const parts = field.split(".");
  if (parts[0] === "items" || parts[0] === "text") return "bulk";
  if (parts[0] === "grid") return "grid";
  const name = parts[0] === "defaults" ? parts[1] : parts[0];
  return BY_FIELD[name ?? ""] ?? "general";
}

/** The item index an error about `items.N.field` names, else null. */
export function itemIndex(field: string | null): number | null {
  const match = /^items\.(\d+)(?:\.|$)/.exec(field ?? "");
  return match ? Number(match[1]) : null;
}
