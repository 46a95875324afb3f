import { describe, expect, it } from "vitest";
import { lastWordsStart, overflowStart, promptSegments, styledPrompt } from "./tokens";

const CINEMATIC = "cinematic film still of {prompt}, shallow depth of field";

describe("styledPrompt", () => {
  it("puts the prompt into the template", () => {
    expect(styledPrompt("a fox", CINEMATIC)).toBe("cinematic film still of a fox, shallow depth of field");
    expect(styledPrompt("a fox", null)).toBe("a fox");
  });
});

describe("lastWordsStart", () => {
  it("finds where the last words begin", () => {
    expect(lastWordsStart("one two  three", 2)).toBe(4);
    expect(lastWordsStart("one two", 0)).toBe(7);
    expect(lastWordsStart("  one two", 5)).toBe(2);
  });
});

describe("overflowStart", () => {
  const prompt = "w1 w2 w3 w4 w5";

  it("marks the prompt's last words without a style", () => {
    expect(overflowStart(prompt, null, 2)).toBe(prompt.indexOf("w4"));
    expect(overflowStart(prompt, null, 0)).toBeNull();
  });

  it("counts the style's words after the prompt first", () => {
    // the template's tail is "w5, shallow depth of field": 4 words after the prompt's last, which it carries
    expect(overflowStart(prompt, CINEMATIC, 4)).toBeNull();
    expect(overflowStart(prompt, CINEMATIC, 5)).toBe(prompt.indexOf("w5"));
    expect(overflowStart(prompt, CINEMATIC, 7)).toBe(prompt.indexOf("w3"));
  });

  it("marks the whole prompt when even the style's first words are cut", () => {
    expect(overflowStart(prompt, CINEMATIC, 100)).toBe(0);
  });
});

describe("promptSegments", () => {
  it("splits the prompt where the cut begins", () => {
    expect(promptSegments("a b c", 2)).toEqual([
      { text: "a ", cut: false },
      { text: "b c", cut: true },
    ]);
    expect(promptSegments("a b", null)).toEqual([{ text: "a b", cut: false }]);
    expect(promptSegments("a b", 0)).toEqual([{ text: "a b", cut: true }]);
  });
});
