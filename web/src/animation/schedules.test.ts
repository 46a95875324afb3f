import { describe, expect, it } from "vitest";
import {
  formatNumber,
  fromSchedule,
  requestInterpolation,
  ScheduleSyntaxError,
  toSchedule,
  valueAt,
  zoomFactor,
  type Point,
} from "./schedules";

const pulse: Point[] = [
  { frame: 0, value: 1 },
  { frame: 12, value: 1.05 },
  { frame: 24, value: 0.9 },
];

describe("toSchedule", () => {
  it("writes linear and smooth keyframes as they are when the request interpolates the same way", () => {
    expect(toSchedule(pulse, "linear", "linear")).toBe("0:(1), 12:(1.05), 24:(0.9)");
    expect(toSchedule(pulse, "smooth", "smooth")).toBe("0:(1), 12:(1.05), 24:(0.9)");
  });

  it("writes a step column as holds one frame before each change, under either interpolation", () => {
    const text = "0:(1), 11:(1), 12:(1.05), 23:(1.05), 24:(0.9)";
    expect(toSchedule(pulse, "step", "linear")).toBe(text);
    expect(toSchedule(pulse, "step", "smooth")).toBe(text);
    // adjacent keyframes need no hold, nor do equal values
    expect(toSchedule([{ frame: 0, value: 1 }, { frame: 1, value: 2 }, { frame: 9, value: 2 }], "step", "linear")).toBe(
      "0:(1), 1:(2), 9:(2)",
    );
  });

  it("writes a column frame by frame when its interpolation is not the request's", () => {
    const text = toSchedule([{ frame: 0, value: 0 }, { frame: 4, value: 1 }], "smooth", "linear");
    // smoothstep between two keyframes: 3s² - 2s³
    expect(text).toBe("0:(0), 1:(0.15625), 2:(0.5), 3:(0.84375), 4:(1)");
    expect(toSchedule([{ frame: 0, value: 0 }, { frame: 2, value: 1 }], "linear", "smooth")).toBe("0:(0), 1:(0.5), 2:(1)");
  });

  it("sorts, rounds frames and keeps one keyframe per frame", () => {
    expect(toSchedule([{ frame: 5.4, value: 2 }, { frame: 0, value: 1 }, { frame: 5, value: 3 }], "linear", "linear")).toBe(
      "0:(1), 5:(3)",
    );
    expect(() => toSchedule([], "linear", "linear")).toThrow(ScheduleSyntaxError);
  });
});

describe("fromSchedule", () => {
  it("reads plain keyframes with the request's interpolation", () => {
    expect(fromSchedule("0:(1.0), 30:(1.05)", "smooth")).toEqual({
      points: [{ frame: 0, value: 1 }, { frame: 30, value: 1.05 }],
      interpolation: "smooth",
    });
    expect(fromSchedule(" 0: 0 , 10: -5,", "linear").points).toEqual([{ frame: 0, value: 0 }, { frame: 10, value: -5 }]);
  });

  it("reads holds back as a step column: a round trip", () => {
    const text = toSchedule(pulse, "step", "linear");
    expect(fromSchedule(text, "linear")).toEqual({ points: pulse, interpolation: "step" });
  });

  it("refuses expressions and repeated frames with a reason", () => {
    expect(() => fromSchedule("0:(1+0.1*sin(t))", "linear")).toThrow(/not frame:\(number\)/);
    expect(() => fromSchedule("0:(1), 0:(2)", "linear")).toThrow(/appears twice/);
    expect(() => fromSchedule("  ", "linear")).toThrow(/empty/);
  });
});

describe("valueAt", () => {
  it("matches kiln's smooth interpolation (values from kiln.media.schedules)", () => {
    const keys = [
      { frame: 0, value: 1 },
      { frame: 10, value: 2 },
      { frame: 20, value: 2.5 },
      { frame: 30, value: 1 },
    ];
    const kiln = [1.0, 1.174, 1.552, 1.918, 2.137333, 2.333333, 2.469333, 2.458, 1.972, 1.324, 1.0];
    kiln.forEach((expected, i) => expect(valueAt(keys, "smooth", i * 3)).toBeCloseTo(expected, 5));
  });

  it("holds before the first and after the last keyframe, steps and interpolates linearly", () => {
    const keys = [{ frame: 4, value: 2 }, { frame: 8, value: 4 }];
    expect(valueAt(keys, "linear", 0)).toBe(2);
    expect(valueAt(keys, "linear", 6)).toBe(3);
    expect(valueAt(keys, "step", 7)).toBe(2);
    expect(valueAt(keys, "linear", 99)).toBe(4);
  });
});

describe("helpers", () => {
  it("chooses the request's interpolation that needs no expansion", () => {
    expect(requestInterpolation(["step", "smooth"])).toBe("smooth");
    expect(requestInterpolation(["smooth", "linear"])).toBe("linear");
    expect(requestInterpolation(["step"])).toBe("linear");
  });

  it("formats numbers plainly and computes the zoom factor of levels", () => {
    expect(formatNumber(1e-7)).toBe("0");
    expect(formatNumber(1.25)).toBe("1.25");
    expect(formatNumber(-0.0000001)).toBe("0");
    expect(zoomFactor(1, 1.05, 24) ** 23).toBeCloseTo(1.05, 10);
    expect(zoomFactor(1, 2, 1)).toBe(1);
  });
});
