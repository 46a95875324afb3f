import { beforeEach, describe, expect, it } from "vitest";
import type { GalleryArtifact } from "./types";
import { recipeOf, storeUseSettings, takeUseSettings, USE_SETTINGS_KEY } from "./useSettings";

const artifact: GalleryArtifact = {
  id: "A1",
  index: 0,
  item_id: 1,
  url: "/v1/artifacts/A1",
  content_type: "image/png",
  size_bytes: 100,
  width: 1344,
  height: 768,
  metadata: { item: { scheduler: "euler_a", prompt: "a fox, cinematic film still" } },
  created_at: "2026-05-01T00:00:00Z",
  job_id: "J1",
  prompt: "a fox",
  negative_prompt: "blurry",
  model: "tiny-sd",
  style: "Cinematic",
  seed: 42,
  steps: 20,
  guidance: 7,
  sampler: "Euler a",
  infotext: "a fox, cinematic film still\nSteps: 20",
  starred: false,
  boards: [],
  thumbnail_url: "/v1/artifacts/A1/thumbnail",
};

describe("Use these settings", () => {
  beforeEach(() => sessionStorage.clear());

  it("hands the recipe (the user's prompt, not the styled one) to Create once", () => {
    storeUseSettings(recipeOf(artifact));
    expect(takeUseSettings()).toEqual({
      prompt: "a fox",
      negative_prompt: "blurry",
      model: "tiny-sd",
      style: "Cinematic",
      seed: 42,
      steps: 20,
      guidance: 7,
      scheduler: "euler_a",
      width: 1344,
      height: 768,
    });
    expect(takeUseSettings()).toBeNull();
  });

  it("gives null for nothing or something malformed, and removes it", () => {
    expect(takeUseSettings()).toBeNull();
    sessionStorage.setItem(USE_SETTINGS_KEY, "{not json");
    expect(takeUseSettings()).toBeNull();
    sessionStorage.setItem(USE_SETTINGS_KEY, JSON.stringify({ prompt: 3, width: 1, height: 1 }));
    expect(takeUseSettings()).toBeNull();
    expect(sessionStorage.getItem(USE_SETTINGS_KEY)).toBeNull();
  });

  it("keeps nulls for what a video's recipe lacks", () => {
    const clip = { ...artifact, prompt: null, negative_prompt: null, steps: null, guidance: null, metadata: {} };
    storeUseSettings(recipeOf(clip));
    expect(takeUseSettings()).toMatchObject({ prompt: "", negative_prompt: "", steps: null, scheduler: null });
  });
});
