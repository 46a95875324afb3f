import { describe, expect, it } from "vitest";
import { errorSlot, itemIndex } from "./errors";

describe("errorSlot", () => {
  it("puts the API's fields next to their controls", () => {
    expect(errorSlot("defaults.width")).toBe("aspect");
    expect(errorSlot("defaults.scheduler")).toBe("sampler");
    expect(errorSlot("prompts.0")).toBe("prompt");
    expect(errorSlot("negative_prompt")).toBe("negativePrompt");
    expect(errorSlot("start_seed")).toBe("seed");
    expect(errorSlot("n")).toBe("count");
    expect(errorSlot("defaults.output_quality")).toBe("format");
  });

  it("sends bulk and grid errors to their dialogs and the rest to the page", () => {
    expect(errorSlot("items.7.style")).toBe("bulk");
    expect(errorSlot("grid.axes.1.values")).toBe("grid");
    expect(errorSlot(null)).toBe("general");
    expect(errorSlot("priority")).toBe("general");
  });

  it("finds the item of an items error", () => {
    expect(itemIndex("items.7.style")).toBe(7);
    expect(itemIndex("items")).toBeNull();
    expect(itemIndex("defaults.width")).toBeNull();
  });
});
