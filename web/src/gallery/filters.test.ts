import { describe, expect, it } from "vitest";
import { EMPTY_FILTERS, filterErrors, filtersFromSearch, hasSearch, searchFromFilters, toApiQuery } from "./filters";

describe("filters and the query string", () => {
  it("round-trips every filter through the URL", () => {
    const filters = {
      q: "red fox ",
      model: "tiny-sd",
      style: "Cinematic",
      seed: "42",
      size: "1024x768",
      since: "2026-05-01",
      until: "2026-05-31",
      job: "01JOB",
      board: "01BOARD",
      media: "video",
      starred: true,
    };
    expect(filtersFromSearch(searchFromFilters(filters))).toEqual(filters);
  });

  it("leaves empty filters out of the URL and reads a bare URL as no filters", () => {
    expect(searchFromFilters(EMPTY_FILTERS)).toBe("");
    expect(searchFromFilters({ ...EMPTY_FILTERS, q: "fox" })).toBe("q=fox");
    expect(filtersFromSearch("")).toEqual(EMPTY_FILTERS);
    expect(filtersFromSearch("?starred=yes&unknown=1").starred).toBe(false);
  });

  it("escapes what it writes", () => {
    const search = searchFromFilters({ ...EMPTY_FILTERS, q: "a&b=c #1" });
    expect(filtersFromSearch(search).q).toBe("a&b=c #1");
  });

  it("sends the API width and height for a size, and trimmed text", () => {
    const query = toApiQuery({ ...EMPTY_FILTERS, q: "  fox ", size: "640 × 480", starred: true });
    expect(Object.fromEntries(query)).toEqual({ q: "fox", width: "640", height: "480", starred: "true" });
  });

  it("names the field of an invalid filter and does not send it", () => {
    const filters = { ...EMPTY_FILTERS, seed: "12a", size: "big", since: "2026-06-02", until: "2026-06-01" };
    expect(filterErrors(filters)).toEqual({
      seed: expect.stringContaining("whole number"),
      size: expect.stringContaining("width x height"),
      until: expect.stringContaining("before the start"),
    });
    const sent = Object.fromEntries(toApiQuery(filters));
    expect(sent).not.toHaveProperty("seed");
    expect(sent).not.toHaveProperty("width");
    expect(filterErrors({ ...EMPTY_FILTERS, seed: "7", size: "32x32", media: "image" })).toEqual({});
    expect(Object.fromEntries(toApiQuery({ ...EMPTY_FILTERS, media: "gif" }))).toEqual({});
  });

  it("tells a search from a board or starred view", () => {
    expect(hasSearch({ ...EMPTY_FILTERS, board: "B", starred: true })).toBe(false);
    expect(hasSearch({ ...EMPTY_FILTERS, model: "tiny-sd" })).toBe(true);
    expect(hasSearch({ ...EMPTY_FILTERS, q: "   " })).toBe(false);
  });
});
