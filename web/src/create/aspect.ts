// Image sizes from an aspect ratio and a pixel count: the same rule as the server's
// `kiln.presets.aspect.size_for_aspect`, so the size shown is the size made.

export type Size = readonly [width: number, height: number];

/** (width part, height part) of "16:9"; null for anything else. */
export function parseAspect(aspect: string): Size | null {
  const match = /^\s*(\d+)\s*[:x/]\s*(\d+)\s*$/i.exec(aspect);
  if (match === null) return null;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? [width, height] : null;
}

function neighbours(value: number, multiple: number): number[] {
  const below = Math.max(1, Math.floor(value / multiple)) * multiple;
  const above = Math.max(1, Math.ceil(value / multiple)) * multiple;
  return below === above ? [below] : [below, above];
}

/** (width, height) in multiples of `multiple` near the ratio at about `megapixels` million pixels: of the
 * sides just below and above their exact values, the size closest to the ratio wins, then the one closest to
 * the pixel count (16:9 at 0.01 MP in multiples of 8 is 128x72, exactly 16:9). */
export function sizeForAspect(ratio: Size, megapixels: number, multiple: number): Size {
  const [ratioW, ratioH] = ratio;
  const pixels = megapixels * 1e6;
  const target = Math.log(ratioW / ratioH);
  // the ratio's error is rounded so float noise never beats an exact ratio (as the server rounds it)
  const score = ([w, h]: Size): [number, number] => [
    Math.round(Math.abs(Math.log(w / h) - target) * 1e12) / 1e12,
    Math.abs(w * h - pixels),
  ];
  let best: Size | null = null;
  let bestScore: [number, number] = [Infinity, Infinity];
  for (const width of neighbours(Math.sqrt((pixels * ratioW) / ratioH), multiple)) {
    for (const height of neighbours(Math.sqrt((pixels * ratioH) / ratioW), multiple)) {
      const candidate: Size = [width, height];
      const s = score(candidate);
      const better =
        s[0] < bestScore[0] ||
        (s[0] === bestScore[0] &&
          (s[1] < bestScore[1] || (s[1] === bestScore[1] && best !== null && compareSizes(candidate, best) < 0)));
      if (best === null || better) {
        best = candidate;
        bestScore = s;
      }
    }
  }
  return best ?? [multiple, multiple];
}

function compareSizes(a: Size, b: Size): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Million pixels of a size. */
export function megapixelsOf([width, height]: Size): number {
  return (width * height) / 1e6;
}

/** "1.05 MP", "0.016 MP": two decimals, or three significant digits below 0.1. */
export function formatMegapixels(megapixels: number): string {
  const shown = megapixels >= 0.1 ? megapixels.toFixed(2) : megapixels.toPrecision(2);
  return `${shown} MP`;
}

/** A side the model family takes: a multiple of `multiple` within [min, max]; else what to change. */
export function sideProblem(value: number, multiple: number, min: number, max: number): string | null {
  if (!Number.isInteger(value)) return "a whole number of pixels";
  const low = Math.ceil(min / multiple) * multiple;
  const high = Math.floor(max / multiple) * multiple;
  if (value < low) return `at least ${low}`;
  if (value > high) return `at most ${high}`;
  if (value % multiple !== 0) {
    const below = Math.floor(value / multiple) * multiple;
    return `a multiple of ${multiple}: ${below} or ${below + multiple}`;
  }
  return null;
}
