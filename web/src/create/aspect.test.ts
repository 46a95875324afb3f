import { describe, expect, it } from "vitest";
import { formatMegapixels, megapixelsOf, parseAspect, sideProblem, sizeForAspect } from "./aspect";

describe("sizeForAspect (the server's rule)", () => {
  it("prefers the exact ratio over each side rounded on its own", () => {
    expect(sizeForAspect([16, 9], 0.01, 8)).toEqual([128, 72]);
  });

  it("gives the sizes the server gives for its families' defaults", () => {
    // tests/api/test_info.py: tiny-sd's default 1:1 size is 128x128; SDXL's is 1000x1000
    expect(sizeForAspect([1, 1], 0.016384, 8)).toEqual([128, 128]);
    expect(sizeForAspect([1, 1], 1.0, 8)).toEqual([1000, 1000]);
    expect(sizeForAspect([16, 9], 0.016384, 8)).toEqual([168, 96]);
    expect(sizeForAspect([9, 16], 1.0, 16)).toEqual([752, 1344]);
  });

  it("never goes below one multiple", () => {
    expect(sizeForAspect([21, 9], 0.00001, 8)).toEqual([8, 8]);
  });
});

describe("aspect helpers", () => {
  it("parses ratios in any of the server's spellings", () => {
    expect(parseAspect("16:9")).toEqual([16, 9]);
    expect(parseAspect(" 4 x 3 ")).toEqual([4, 3]);
    expect(parseAspect("3/2")).toEqual([3, 2]);
    expect(parseAspect("wide")).toBeNull();
    expect(parseAspect("0:1")).toBeNull();
  });

  it("shows megapixels", () => {
    expect(megapixelsOf([1024, 1024])).toBeCloseTo(1.048576);
    expect(formatMegapixels(1.048576)).toBe("1.05 MP");
    expect(formatMegapixels(0.009216)).toBe("0.0092 MP");
  });

  it("says what to change about a side", () => {
    expect(sideProblem(64, 8, 32, 1024)).toBeNull();
    expect(sideProblem(20, 8, 32, 1024)).toBe("at least 32");
    expect(sideProblem(2000, 8, 32, 1024)).toBe("at most 1024");
    expect(sideProblem(70, 8, 32, 1024)).toBe("a multiple of 8: 64 or 72");
  });
});
