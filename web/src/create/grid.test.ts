import { describe, expect, it } from "vitest";
import { axisValues, planGrid, splitValues } from "./grid";

describe("splitValues", () => {
  it("splits on commas outside quotes and drops empty values", () => {
    expect(splitValues(' red, "a blue, old car" ,,green ')).toEqual(["red", "a blue, old car", "green"]);
  });
});

describe("axisValues", () => {
  it("reads whole numbers and ranges for seed and steps", () => {
    expect(axisValues({ field: "seed", text: "1, 5-7" }, "")).toEqual([1, 5, 6, 7]);
    expect(axisValues({ field: "steps", text: "10-30 [10]" }, "")).toEqual([10, 20, 30]);
    expect(axisValues({ field: "steps", text: "2.5" }, "")).toBe("2.5 is not a whole number");
    expect(axisValues({ field: "seed", text: "9-1" }, "")).toMatch(/low-high/);
  });

  it("reads numbers for CFG", () => {
    expect(axisValues({ field: "guidance", text: "3, 5.5" }, "")).toEqual([3, 5.5]);
    expect(axisValues({ field: "guidance", text: "high" }, "")).toBe("high is not a number");
  });

  it("needs the prompt to hold the search term of a prompt S/R", () => {
    expect(axisValues({ field: "prompt", text: "dusk, dawn" }, "a lighthouse at dusk")).toEqual(["dusk", "dawn"]);
    expect(axisValues({ field: "prompt", text: "noon, dawn" }, "a lighthouse at dusk")).toMatch(/no "noon"/);
  });

  it("refuses an empty axis", () => {
    expect(axisValues({ field: "style", text: " , " }, "")).toBe("give at least one value");
  });
});

describe("planGrid", () => {
  it("makes the body and counts the cells: 3 seeds x 2 styles is 6 images", () => {
    const plan = planGrid(
      [
        { field: "seed", text: "1, 2, 3" },
        { field: "style", text: "Cinematic, Photographic" },
      ],
      "a fox",
    );
    expect(plan).toEqual({
      grid: {
        axes: [
          { field: "seed", values: [1, 2, 3] },
          { field: "style", values: ["Cinematic", "Photographic"] },
        ],
      },
      problems: [null, null],
      images: 6,
    });
  });

  it("has no body while an axis has a problem, and refuses a field twice", () => {
    const plan = planGrid(
      [
        { field: "seed", text: "1, x" },
        { field: "steps", text: "2" },
        { field: "steps", text: "3" },
      ],
      "",
    );
    expect(plan.grid).toBeNull();
    expect(plan.problems).toEqual(["x is not a whole number", null, "steps is already an axis"]);
  });

  it("makes no grid of no axes", () => {
    expect(planGrid([], "")).toEqual({ grid: null, problems: [], images: 0 });
  });
});
