import { describe, expect, it } from "vitest";
import { buildRequest, DEFAULT_CONFIG, EMPTY_TABLE, type KeyframeTable } from "./production";
import { requestToDraft } from "./restore";

describe("requestToDraft", () => {
  it("reads a request the studio wrote back into the same form: a round trip", () => {
    const config = { ...DEFAULT_CONFIG, model: "tiny-sd", prompt: "a forest", frames: 24, seed: 3, guidance: 6, panX: 2, strength: 0.4 };
    const table: KeyframeTable = {
      rows: [
        { id: 1, frame: 0, prompt: "", values: { zoom: 1, angle: 0 } },
        { id: 2, frame: 12, prompt: "a city", values: { zoom: 1.1, angle: 5 } },
      ],
      interpolation: { ...EMPTY_TABLE.interpolation, zoom: "step", angle: "smooth" },
    };
    const request = buildRequest(config, table);
    const restored = requestToDraft(request);
    expect(restored.notes).toEqual([]);
    expect(buildRequest(restored.config, restored.table)).toEqual(request);
    expect(restored.table.interpolation.zoom).toBe("step");
    expect(restored.table.rows.find((row) => row.frame === 12)?.prompt).toBe("a city");
  });

  it("keeps a schedule it cannot edit as text, and says what it could not bring back", () => {
    const restored = requestToDraft({
      model: "tiny-sd",
      prompts: { "0": "sea" },
      zoom: "0:(1.01+0.01*sin(t))",
      angle: "0:(t*2)",
      audio: "storage:x/y.wav",
    });
    expect(restored.config.zoomMode).toBe("schedule");
    expect(restored.config.zoomSchedule).toBe("0:(1.01+0.01*sin(t))");
    expect(restored.notes.join(" ")).toMatch(/audio track/);
    expect(restored.notes.join(" ")).toMatch(/angle is 0:\(t\*2\)/);
  });
});
