import { describe, expect, it } from "vitest";
import { CUSTOM_ASPECT } from "./form";
import { recipeToForm, stashRecipe, takeStashedRecipe, type RecipeSource } from "./recipe";

const artifact: RecipeSource = {
  prompt: "a lighthouse at dusk",
  negative_prompt: "fog",
  model: "tiny-sd",
  style: "Cinematic",
  seed: 1234,
  steps: 2,
  guidance: 6.5,
  width: 128,
  height: 72,
  metadata: {
    item: {
      user_prompt: "a lighthouse at dusk",
      prompt: "cinematic film still of a lighthouse at dusk, ...",
      scheduler: "euler",
      quality: null,
      output_format: "webp",
      output_quality: 80,
    },
  },
};

describe("recipeToForm", () => {
  it("fills the form with what makes the image again", () => {
    expect(recipeToForm(artifact)).toEqual({
      prompt: "a lighthouse at dusk",
      negativePrompt: "fog",
      model: "tiny-sd",
      style: "Cinematic",
      aspect: CUSTOM_ASPECT,
      width: 128,
      height: 72,
      seedMode: "fixed",
      seed: 1234,
      steps: 2,
      guidance: 6.5,
      quality: "",
      sampler: "euler",
      format: "webp",
      outputQuality: 80,
    });
  });

  it("leaves the defaults where the recipe has none", () => {
    const values = recipeToForm({
      ...artifact,
      style: null,
      negative_prompt: null,
      metadata: { item: { scheduler: "default", output_format: "png", output_quality: 95 } },
    });
    expect(values).toMatchObject({ style: "", negativePrompt: "", sampler: "", format: "png", outputQuality: null });
  });

  it("reads the recipe's item when the view lacks a field", () => {
    const values = recipeToForm({ ...artifact, prompt: null, seed: null, metadata: { item: { user_prompt: "x", seed: 9 } } });
    expect(values).toMatchObject({ prompt: "x", seed: 9, seedMode: "fixed" });
  });
});

describe("the recipe hand-off", () => {
  it("is taken once", () => {
    stashRecipe({ prompt: "a fox" });
    expect(takeStashedRecipe()).toEqual({ prompt: "a fox" });
    expect(takeStashedRecipe()).toBeNull();
  });

  it("ignores what it cannot read", () => {
    sessionStorage.setItem("kiln.create.recipe", "{not json");
    expect(takeStashedRecipe()).toBeNull();
  });
});
