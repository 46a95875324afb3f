import { describe, expect, it } from "vitest";
import { applyPulse, beatFrames, completeBeats } from "./beats";
import {
  buildRequest,
  DEFAULT_CONFIG,
  editChanges,
  EMPTY_TABLE,
  frameToUnit,
  unitToFrame,
  type EngineConfig,
  type KeyframeTable,
} from "./production";

const config: EngineConfig = { ...DEFAULT_CONFIG, model: "tiny-sd", prompt: "a forest", frames: 24, fps: 12 };

describe("buildRequest", () => {
  it("takes the sidebar's values when the table sets none", () => {
    const body = buildRequest({ ...config, zoomStart: 1, zoomEnd: 1, panX: 2, seed: 7, guidance: 5 }, EMPTY_TABLE);
    expect(body).toMatchObject({
      model: "tiny-sd",
      frames: 24,
      prompts: { "0": "a forest" },
      strength: "0:(0.65)",
      zoom: "0:(1)",
      translation_x: "0:(2)",
      seed: 7,
      guidance: "0:(5)",
      seed_behaviour: "iter",
      hud: { corner: "top-left" },
      interpolation: "linear",
    });
    expect(body.seed_schedule).toBeUndefined();
  });

  it("writes the table's columns as schedules, prompts by frame, and a seed column as a seed schedule", () => {
    const table: KeyframeTable = {
      rows: [
        { id: 1, frame: 0, prompt: "", values: { zoom: 1, seed: 3 } },
        { id: 2, frame: 12, prompt: "a city", values: { zoom: 1.1, seed: 9 } },
      ],
      interpolation: { ...EMPTY_TABLE.interpolation, zoom: "smooth" },
    };
    const body = buildRequest({ ...config, audio: { ref: "upload:abc", name: "t.wav" }, hud: false }, table);
    expect(body).toMatchObject({
      prompts: { "0": "a forest", "12": "a city" },
      zoom: "0:(1), 12:(1.1)",
      interpolation: "smooth",
      seed_behaviour: "schedule",
      seed_schedule: "0:(3), 11:(3), 12:(9)",
      audio: "upload:abc",
    });
    expect(body.hud).toBeUndefined();
  });
});

describe("editChanges", () => {
  it("sends only the editable fields that changed", () => {
    const before = buildRequest(config, EMPTY_TABLE);
    const after = buildRequest({ ...config, strength: 0.4, frames: 48 }, EMPTY_TABLE);
    const changes = editChanges(before, after);
    expect(changes.strength).toBe("0:(0.4)");
    expect(changes.frames).toBeUndefined(); // fixed while running
    expect(Object.keys(changes)).toContain("zoom"); // the zoom factor of levels depends on frames
    expect(editChanges(before, before)).toEqual({});
  });
});

describe("beats", () => {
  it("puts each beat on its frame once, within the animation", () => {
    expect(beatFrames([0, 0.5, 1.0, 1.52, 1.54, 9], 12, 24)).toEqual([0, 6, 12, 18]);
  });

  it("adds the beats the tracker left out at either end where an onset is on the tempo's grid", () => {
    const analysis = { duration_seconds: 4, tempo_bpm: 120, beats: [0.75, 1.25, 1.75], onsets: [0.26, 0.74, 1.24, 1.76, 2.27, 3.1] };
    expect(completeBeats(analysis)).toEqual([0.26, 0.75, 1.25, 1.75, 2.27]);
    expect(completeBeats({ ...analysis, beats: [] })).toEqual([]);
  });

  it("makes a pulse: the peak on each beat, the base halfway, other columns kept", () => {
    let id = 100;
    const table: KeyframeTable = { ...EMPTY_TABLE, rows: [{ id: 1, frame: 3, prompt: "", values: { zoom: 2, angle: 5 } }] };
    const pulsed = applyPulse(table, [0, 6, 12], { column: "zoom", base: 1, peak: 1.05 }, () => ++id);
    const zoom = pulsed.rows.filter((row) => row.values.zoom !== undefined).map((row) => [row.frame, row.values.zoom]);
    expect(zoom).toEqual([[0, 1.05], [3, 1], [6, 1.05], [9, 1], [12, 1.05], [13, 1]]);
    expect(pulsed.rows.find((row) => row.frame === 3)?.values.angle).toBe(5);
  });
});

describe("time units", () => {
  it("converts frames to seconds and beats and back", () => {
    expect(frameToUnit(18, "seconds", 12, 120)).toBe(1.5);
    expect(frameToUnit(18, "beats", 12, 120)).toBe(3);
    expect(unitToFrame(3, "beats", 12, 120)).toBe(18);
    expect(unitToFrame(1.5, "seconds", 12, 120)).toBe(18);
    expect(unitToFrame(4.4, "frames", 12, 120)).toBe(4);
  });
});
