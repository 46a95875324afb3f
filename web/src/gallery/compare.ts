// The compare slider's math: where the divider is (percent of the width from the left) and what it clips.

export function clampPercent(value: number): number {
  if (Number.isNaN(value)) return 50;
  return Math.min(100, Math.max(0, value));
}

/** The divider position for a pointer at `clientX` over a box starting at `left` and `width` wide. */
export function percentAt(clientX: number, left: number, width: number): number {
  if (width <= 0) return 50;
  return clampPercent(((clientX - left) / width) * 100);
}

/** The CSS clip of the top image: it shows left of the divider, the bottom image shows right of it. */
export function clipLeftOf(percent: number): string {
  return `inset(0 ${100 - clampPercent(percent)}% 0 0)`;
}

/** The divider after a key press (arrows by 1, Shift by 10, Home/End to the edges); null for other keys. */
export function percentAfterKey(percent: number, key: string, shift: boolean): number | null {
  const step = shift ? 10 : 1;
  switch (key) {
    case "ArrowLeft":
    case "ArrowDown":
      return clampPercent(percent - step);
    case "ArrowRight":
    case "ArrowUp":
      return clampPercent(percent + step);
    case "Home":
      return 0;
    case "End":
      return 100;
    default:
      return null;
  }
}
