// The Grid dialog's axes (A1111's X/Y/Z plot) and the job body's `grid` field they make.
import type { GridAxisBody, GridBody, GridField } from "./types";

export const MAX_AXES = 3;
export const MAX_AXIS_VALUES = 100;

export const GRID_FIELDS: readonly { field: GridField; label: string; hint: string }[] = [
  { field: "prompt", label: "Prompt S/R", hint: "the first value is searched in the prompt, each value replaces it" },
  { field: "seed", label: "Seed", hint: "whole numbers; 1-4 is 1, 2, 3, 4" },
  { field: "steps", label: "Steps", hint: "whole numbers; 10-30 [5] steps by 5" },
  { field: "guidance", label: "CFG", hint: "numbers, e.g. 3, 5.5, 7" },
  { field: "style", label: "Style", hint: "style names" },
  { field: "model", label: "Model", hint: "model ids" },
  { field: "sampler", label: "Sampler", hint: "sampler names" },
];

export interface AxisDraft {
  field: GridField;
  text: string;
}

/** Values separated by commas; a value in double quotes may hold commas ("a red, old car"). */
export function splitValues(text: string): string[] {
  const values: string[] = [];
  let current = "";
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === "," && !quoted) {
      values.push(current);
      current = "";
    } else current += char;
  }
  values.push(current);
  return values.map((v) => v.trim()).filter((v) => v !== "");
}

const INTEGER = /^\d+$/;
const RANGE = /^(\d+)\s*-\s*(\d+)(?:\s*\[\s*(\d+)\s*\])?$/;

function wholeNumbers(values: string[]): number[] | string {
  const numbers: number[] = [];
  for (const value of values) {
    const range = RANGE.exec(value);
    if (range !== null) {
      const [from, to, by] = [Number(range[1]), Number(range[2]), Number(range[3] ?? 1)];
      if (by < 1 || to < from) return `${value}: write a range as low-high, e.g. 1-4`;
      for (let n = from; n <= to && numbers.length <= MAX_AXIS_VALUES; n += by) numbers.push(n);
    } else if (INTEGER.test(value) && Number.isSafeInteger(Number(value))) numbers.push(Number(value));
    else return `${value} is not a whole number`;
  }
  return numbers;
}

/** One axis's values for the body, or what to change. */
export function axisValues(axis: AxisDraft, prompt: string): (string | number)[] | string {
  const values = splitValues(axis.text);
  if (values.length === 0) return "give at least one value";
  let parsed: (string | number)[] | string = values;
  if (axis.field === "seed" || axis.field === "steps") parsed = wholeNumbers(values);
  else if (axis.field === "guidance") {
    const bad = values.find((v) => !Number.isFinite(Number(v)));
    parsed = bad === undefined ? values.map(Number) : `${bad} is not a number`;
  } else if (axis.field === "prompt" && values[0] !== undefined && !prompt.includes(values[0])) {
    parsed = `the prompt has no "${values[0]}" to replace; the first value is what gets replaced`;
  }
  if (typeof parsed !== "string" && parsed.length > MAX_AXIS_VALUES) return `at most ${MAX_AXIS_VALUES} values`;
  return parsed;
}

export interface GridPlan {
  grid: GridBody | null; // null while any axis has a problem
  problems: (string | null)[]; // one per axis
  images: number; // the grid's cells: the product of the axes' value counts
}

/** The grid of the drafted axes: its body, each axis's problem, and how many images it makes per prompt copy. */
export function planGrid(axes: AxisDraft[], prompt: string): GridPlan {
  const problems: (string | null)[] = [];
  const bodyAxes: GridAxisBody[] = [];
  let images = axes.length > 0 ? 1 : 0;
  const seen = new Set<GridField>();
  for (const axis of axes) {
    const values = seen.has(axis.field) ? `${axis.field} is already an axis` : axisValues(axis, prompt);
    seen.add(axis.field);
    if (typeof values === "string") {
      problems.push(values);
      images *= Math.max(1, splitValues(axis.text).length);
    } else {
      problems.push(null);
      bodyAxes.push({ field: axis.field, values });
      images *= values.length;
    }
  }
  const ok = axes.length > 0 && axes.length <= MAX_AXES && problems.every((p) => p === null);
  return { grid: ok ? { axes: bodyAxes } : null, problems, images };
}
