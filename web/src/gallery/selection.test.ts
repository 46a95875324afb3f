import { describe, expect, it } from "vitest";
import { clickSelect, clickSelects, keepOnly, NO_SELECTION } from "./selection";

const order = ["a", "b", "c", "d", "e", "f"];
const plain = { shift: false, toggle: false };
const ctrl = { shift: false, toggle: true };
const shift = { shift: true, toggle: false };

describe("selecting many", () => {
  it("toggles one with Ctrl and remembers it as the range anchor", () => {
    let selection = clickSelect(NO_SELECTION, order, "b", ctrl);
    selection = clickSelect(selection, order, "d", ctrl);
    expect(selection).toEqual({ ids: ["b", "d"], anchor: "d" });
    selection = clickSelect(selection, order, "b", ctrl);
    expect(selection).toEqual({ ids: ["d"], anchor: "b" });
  });

  it("selects the range from the anchor with Shift, either way, keeping what was selected", () => {
    const start = clickSelect(NO_SELECTION, order, "e", ctrl);
    expect(clickSelect(start, order, "b", shift).ids).toEqual(["e", "b", "c", "d"]);
    const withA = clickSelect(clickSelect(NO_SELECTION, order, "a", ctrl), order, "c", ctrl);
    expect(clickSelect(withA, order, "e", shift)).toEqual({ ids: ["a", "c", "d", "e"], anchor: "c" });
  });

  it("falls back to a toggle when the anchor is gone from the list", () => {
    const selection = { ids: ["x"], anchor: "x" };
    expect(clickSelect(selection, order, "c", shift)).toEqual({ ids: ["x", "c"], anchor: "c" });
  });

  it("decides when a click selects rather than opens", () => {
    expect(clickSelects(NO_SELECTION, false, plain)).toBe(false);
    expect(clickSelects(NO_SELECTION, true, plain)).toBe(true);
    expect(clickSelects(NO_SELECTION, false, ctrl)).toBe(true);
    expect(clickSelects(NO_SELECTION, false, shift)).toBe(false);
    expect(clickSelects({ ids: ["a"], anchor: "a" }, false, shift)).toBe(true);
  });

  it("drops ids that left the list", () => {
    const selection = { ids: ["a", "c", "e"], anchor: "e" };
    expect(keepOnly(selection, new Set(["a", "b", "c"]))).toEqual({ ids: ["a", "c"], anchor: null });
    expect(keepOnly(selection, new Set(order))).toBe(selection);
  });
});
