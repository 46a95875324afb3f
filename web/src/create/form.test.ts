import { describe, expect, it } from "vitest";
import { CUSTOM_ASPECT, DEFAULT_FORM, jobBody, randomSeed, seedFields, type FormValues } from "./form";

const form = (changes: Partial<FormValues>): FormValues => ({ ...DEFAULT_FORM, prompt: "a lighthouse", ...changes });

describe("seed modes", () => {
  it("random sends no seed: the server draws and records one per image", () => {
    expect(seedFields("random", 42)).toEqual({ defaults: {} });
    const body = jobBody(form({ seedMode: "random", seed: 42 }));
    expect(body.defaults.seed).toBeUndefined();
    expect(body.start_seed).toBeUndefined();
  });

  it("fixed gives every prompt the same first seed", () => {
    const body = jobBody(form({ seedMode: "fixed", seed: 42 }));
    expect(body.defaults.seed).toBe(42);
    expect(body.start_seed).toBeUndefined();
  });

  it("start + index numbers the job's items from the seed", () => {
    const body = jobBody(form({ seedMode: "start", seed: 7 }));
    expect(body.start_seed).toBe(7);
    expect(body.defaults.seed).toBeUndefined();
  });

  it("draws random seeds in the server's range", () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 1 - Number.EPSILON)).toBe(2 ** 32 - 1);
  });
});

describe("jobBody", () => {
  it("sends the prompt n times with live previews and only the settings the user chose", () => {
    expect(jobBody(form({ count: 4, aspect: "16:9" }))).toEqual({
      kind: "images",
      prompts: ["a lighthouse"],
      n: 4,
      previews: true,
      defaults: { aspect: "16:9", format: "png" },
    });
  });

  it("sends every setting the user set, with a custom size as width and height", () => {
    const body = jobBody(
      form({
        negativePrompt: "fog",
        model: "tiny-sd",
        style: "Cinematic",
        quality: "fast",
        steps: 2,
        guidance: 5.5,
        sampler: "euler",
        aspect: CUSTOM_ASPECT,
        width: 64,
        height: 32,
        format: "webp",
        outputQuality: 80,
      }),
    );
    expect(body.defaults).toEqual({
      negative_prompt: "fog",
      model: "tiny-sd",
      style: "Cinematic",
      quality: "fast",
      steps: 2,
      guidance: 5.5,
      scheduler: "euler",
      width: 64,
      height: 32,
      format: "webp",
      output_quality: 80,
    });
  });

  it("sends megapixels with a preset aspect, and no output quality for PNG", () => {
    const body = jobBody(form({ aspect: "21:9", megapixels: 0.5, outputQuality: 80 }));
    expect(body.defaults).toEqual({ aspect: "21:9", megapixels: 0.5, format: "png" });
  });

  it("sends bulk items instead of the prompt, with the form's settings as defaults", () => {
    const body = jobBody(form({ count: 2, seedMode: "start", seed: 100 }), {
      items: [{ prompt: "a fox" }, { prompt: "a cat", width: 64 }],
    });
    expect(body.prompts).toBeUndefined();
    expect(body.items).toEqual([{ prompt: "a fox" }, { prompt: "a cat", width: 64 }]);
    expect(body).toMatchObject({ n: 2, start_seed: 100 });
  });

  it("adds a grid", () => {
    const grid = { axes: [{ field: "seed" as const, values: [1, 2, 3] }] };
    expect(jobBody(form({}), { grid }).grid).toEqual(grid);
  });
});
