// Keyframes ⇄ Deforum schedule strings (`0:(1.0), 12:(1.05)`), as kiln reads them (kiln/media/schedules.py).
//
// kiln interpolates every schedule of a request one way, `linear` or `smooth` (a monotone cubic, Fritsch-Carlson
// PCHIP, flat at the first and last keyframe). The editor gives each column its own interpolation, mapped onto
// kiln honestly:
// - step: a hold keyframe one frame before each change (`0:(1), 11:(1), 12:(1.05)`). Exact under both of kiln's
//   interpolations: equal neighbours give a flat segment in PCHIP too, and kiln only evaluates whole frames.
// - linear and smooth: plain keyframes when the request's interpolation is the same; otherwise the column is
//   written out frame by frame (values computed here with kiln's formulas), since kiln has one interpolation per
//   request. `requestInterpolation` picks the one that needs no expansion where it can.
// Only numeric keyframes are edited here; a schedule with expressions in `t` is reported as not editable.

export type Interpolation = "step" | "linear" | "smooth";
export type KilnInterpolation = "linear" | "smooth";

export interface Point {
  frame: number;
  value: number;
}

export class ScheduleSyntaxError extends Error {}

/** `points` sorted by frame with one point per frame (the last one given for a frame wins). */
export function normalise(points: readonly Point[]): Point[] {
  const byFrame = new Map<number, number>();
  for (const point of points) byFrame.set(Math.max(0, Math.round(point.frame)), point.value);
  return [...byFrame.entries()].sort((a, b) => a[0] - b[0]).map(([frame, value]) => ({ frame, value }));
}

/** A number as a schedule writes it: at most 6 decimals, no trailing zeros, never exponent notation. */
export function formatNumber(value: number): string {
  const fixed = value.toFixed(6).replace(/\.?0+$/, "");
  return fixed === "-0" ? "0" : fixed;
}

function write(points: readonly Point[]): string {
  return points.map((p) => `${p.frame}:(${formatNumber(p.value)})`).join(", ");
}

/** The one interpolation a request should carry for columns that use `used`: smooth when no column needs linear
 * and some needs smooth, else linear (step columns are exact under both). */
export function requestInterpolation(used: readonly Interpolation[]): KilnInterpolation {
  return used.includes("smooth") && !used.includes("linear") ? "smooth" : "linear";
}

/** The schedule string for a column's keyframes and interpolation, in a request interpolated as `kiln`. */
export function toSchedule(points: readonly Point[], interpolation: Interpolation, kiln: KilnInterpolation): string {
  const keys = normalise(points);
  const first = keys[0];
  const last = keys[keys.length - 1];
  if (first === undefined || last === undefined) throw new ScheduleSyntaxError("a schedule needs at least one keyframe");
  if (interpolation === "step") {
    const out: Point[] = [];
    let previous: Point | undefined;
    for (const key of keys) {
      if (previous !== undefined && key.frame - 1 > previous.frame && key.value !== previous.value) {
        out.push({ frame: key.frame - 1, value: previous.value });
      }
      out.push(key);
      previous = key;
    }
    return write(out);
  }
  if (interpolation === kiln || keys.length === 1) return write(keys);
  // The other interpolation than the request's: every frame from the first keyframe to the last.
  const frames: Point[] = [];
  for (let frame = first.frame; frame <= last.frame; frame++) frames.push({ frame, value: valueAt(keys, interpolation, frame) });
  return write(frames);
}

/** Parses a schedule of numeric keyframes; a hold before every change reads back as a step column. */
export function fromSchedule(text: string, kiln: KilnInterpolation): { points: Point[]; interpolation: Interpolation } {
  const points: Point[] = [];
  const seen = new Set<number>();
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const match = /^\s*(\d+)\s*:\s*\(?\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*\)?\s*$/i.exec(part);
    if (match === null) throw new ScheduleSyntaxError(`"${part.trim()}" is not frame:(number); edit it as text`);
    const frame = Number(match[1]);
    if (seen.has(frame)) throw new ScheduleSyntaxError(`frame ${frame} appears twice`);
    seen.add(frame);
    points.push({ frame, value: Number(match[2]) });
  }
  if (points.length === 0) throw new ScheduleSyntaxError("empty schedule; write keyframes like 0:(1.0), 30:(1.05)");
  const sorted = normalise(points);
  const step = readAsStep(sorted);
  return step === null ? { points: sorted, interpolation: kiln } : { points: step, interpolation: "step" };
}

/** The keyframes without their holds, when every change of value comes right after a hold (or at the next
 * frame) and there is at least one hold; else null. */
function readAsStep(points: readonly Point[]): Point[] | null {
  const kept: Point[] = [];
  let holds = 0;
  points.forEach((point, i) => {
    const previous = points[i - 1];
    const next = points[i + 1];
    const lastKept = kept[kept.length - 1];
    if (previous !== undefined && point.value !== previous.value && point.frame !== previous.frame + 1) holds = -Infinity;
    const isHold =
      previous !== undefined && point.value === previous.value && next !== undefined && next.frame === point.frame + 1 && next.value !== point.value;
    if (isHold) holds++;
    else if (lastKept === undefined || point.value !== lastKept.value) kept.push(point);
  });
  return holds > 0 ? kept : null;
}

/** The value at `frame` of keyframes `points` (sorted, numeric), as kiln computes it. */
export function valueAt(points: readonly Point[], interpolation: Interpolation, frame: number): number {
  let index = -1;
  points.forEach((point, i) => {
    if (point.frame <= frame) index = i;
  });
  const key = points[Math.max(index, 0)];
  if (key === undefined) return 0;
  const next = points[index + 1];
  if (index < 0 || next === undefined || interpolation === "step") return key.value;
  const span = next.frame - key.frame;
  const s = (frame - key.frame) / span;
  if (interpolation === "linear") return key.value + (next.value - key.value) * s;
  const slopes = pchipSlopes(points);
  const s2 = s * s;
  const s3 = s2 * s;
  return (
    (2 * s3 - 3 * s2 + 1) * key.value +
    (s3 - 2 * s2 + s) * span * (slopes[index] ?? 0) +
    (3 * s2 - 2 * s3) * next.value +
    (s3 - s2) * span * (slopes[index + 1] ?? 0)
  );
}

/** Fritsch-Carlson slopes, zero at both ends and where the values turn (kiln.media.schedules._pchip_slopes). */
function pchipSlopes(points: readonly Point[]): number[] {
  return points.map((b, i) => {
    const a = points[i - 1];
    const c = points[i + 1];
    if (a === undefined || c === undefined) return 0;
    const h0 = b.frame - a.frame;
    const h1 = c.frame - b.frame;
    const d0 = (b.value - a.value) / h0;
    const d1 = (c.value - b.value) / h1;
    if (d0 * d1 <= 0) return 0;
    const w0 = 2 * h1 + h0;
    const w1 = h1 + 2 * h0;
    return (w0 + w1) / (w0 / d0 + w1 / d1);
  });
}

/** kiln's per-frame zoom factor for zoom levels `start` → `end` over `frames` frames (as `kiln animate
 * --zoom-start/--zoom-end`): the product of the factors of frames 1 … frames-1 is end/start. */
export function zoomFactor(start: number, end: number, frames: number): number {
  return frames > 1 ? (end / start) ** (1 / (frames - 1)) : 1;
}
