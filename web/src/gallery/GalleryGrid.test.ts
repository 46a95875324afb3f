import { describe, expect, it } from "vitest";
import { columnsFor } from "./GalleryGrid";

describe("the grid's columns", () => {
  it("fits thumbnails of at least 160 px on a desktop and three columns on a phone", () => {
    expect(columnsFor(1040)).toBe(6); // 1280 wide with the boards beside it
    expect(columnsFor(360)).toBe(3); // 390 wide
    expect(columnsFor(100)).toBe(2); // never fewer than two
  });
});
