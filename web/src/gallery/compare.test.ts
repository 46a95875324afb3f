import { describe, expect, it } from "vitest";
import { clampPercent, clipLeftOf, percentAfterKey, percentAt } from "./compare";

describe("the compare slider", () => {
  it("puts the divider where the pointer is, within the box", () => {
    expect(percentAt(150, 100, 200)).toBe(25);
    expect(percentAt(300, 100, 200)).toBe(100);
    expect(percentAt(40, 100, 200)).toBe(0);
    expect(percentAt(999, 100, 200)).toBe(100);
    expect(percentAt(10, 0, 0)).toBe(50);
  });

  it("clips the top image to the left of the divider", () => {
    expect(clipLeftOf(25)).toBe("inset(0 75% 0 0)");
    expect(clipLeftOf(0)).toBe("inset(0 100% 0 0)");
    expect(clipLeftOf(140)).toBe("inset(0 0% 0 0)");
  });

  it("moves with the keys: 1 a press, 10 with Shift, Home and End to the edges", () => {
    expect(percentAfterKey(50, "ArrowLeft", false)).toBe(49);
    expect(percentAfterKey(50, "ArrowRight", true)).toBe(60);
    expect(percentAfterKey(95, "ArrowUp", true)).toBe(100);
    expect(percentAfterKey(3, "ArrowDown", true)).toBe(0);
    expect(percentAfterKey(50, "Home", false)).toBe(0);
    expect(percentAfterKey(50, "End", false)).toBe(100);
    expect(percentAfterKey(50, "a", false)).toBeNull();
  });

  it("treats a broken value as the middle", () => {
    expect(clampPercent(Number.NaN)).toBe(50);
  });
});
