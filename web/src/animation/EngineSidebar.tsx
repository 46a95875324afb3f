// The engine config in the studio's left sidebar: model, prompts, denoise, steps, CFG, seed, size, fps, frames;
// motion (zoom levels or a schedule, pan, rotation); HUD; sprite.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { Field } from "../create/Field";
import { NumberInput } from "./NumberInput";
import type { Corner, EngineConfig, SeedBehaviour, SpritePath } from "./production";
import { SpritePicker } from "./SpritePicker";

interface Props {
  config: EngineConfig;
  onChange: (next: EngineConfig) => void;
  errors: Record<string, string>;
  running: boolean; // fields fixed while a production runs are disabled
}

const CORNERS: Corner[] = ["top-left", "top-right", "bottom-left", "bottom-right"];

export function EngineSidebar({ config, onChange, errors, running }: Props) {
  const models = useQuery({
    queryKey: ["models"],
    queryFn: async () => unwrap(await api.GET("/v1/models")).data,
    staleTime: 5 * 60_000,
  });
  const set = <K extends keyof EngineConfig>(key: K, value: EngineConfig[K]) => onChange({ ...config, [key]: value });
  const num = (key: "strength" | "steps" | "width" | "height" | "fps" | "frames" | "zoomStart" | "zoomEnd" | "panX" | "panY" | "angle") =>
    (value: number | null) => {
      if (value !== null) set(key, value);
    };
  const imageModels = (models.data ?? []).filter((m) => !m.video);
  return (
    <div className="settings anim-sidebar">
      <h2 className="anim-heading">Engine</h2>
      <Field label="Model" error={errors.model}>
        {(props) => (
          <select {...props} value={config.model} disabled={running} onChange={(e) => set("model", e.target.value)}>
            <option value="">Server default</option>
            {imageModels.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Prompt" error={errors.prompts}>
        {(props) => <textarea {...props} rows={3} value={config.prompt} onChange={(e) => set("prompt", e.target.value)} />}
      </Field>
      <Field label="Negative prompt" error={errors.negative_prompt}>
        {(props) => <textarea {...props} rows={2} value={config.negativePrompt} onChange={(e) => set("negativePrompt", e.target.value)} />}
      </Field>
      <div className="field-row">
        <Field label="Denoise" error={errors.strength} hint="0 keeps, 1 repaints">
          {(props) => <NumberInput {...props} value={config.strength} onValue={num("strength")} />}
        </Field>
        <Field label="Steps" error={errors.steps}>
          {(props) => <NumberInput {...props} value={config.steps} onValue={num("steps")} />}
        </Field>
      </div>
      <div className="field-row">
        <Field label="CFG" error={errors.guidance} hint="Empty: the model's">
          {(props) => <NumberInput {...props} value={config.guidance} onValue={(v) => set("guidance", v)} />}
        </Field>
        <Field label="Seed behaviour" error={errors.seed_behaviour}>
          {(props) => (
            <select {...props} value={config.seedBehaviour} onChange={(e) => set("seedBehaviour", e.target.value as SeedBehaviour)}>
              <option value="iter">Count up</option>
              <option value="fixed">Fixed</option>
              <option value="random">Random</option>
            </select>
          )}
        </Field>
      </div>
      <Field label="Seed" error={errors.seed} hint="Empty: drawn">
        {(props) => <NumberInput {...props} value={config.seed} disabled={running} onValue={(v) => set("seed", v === null ? null : Math.max(0, Math.round(v)))} />}
      </Field>
      <div className="field-row">
        <Field label="Width" error={errors.width}>
          {(props) => <NumberInput {...props} value={config.width} disabled={running} onValue={num("width")} />}
        </Field>
        <Field label="Height" error={errors.height}>
          {(props) => <NumberInput {...props} value={config.height} disabled={running} onValue={num("height")} />}
        </Field>
      </div>
      <div className="field-row">
        <Field label="FPS" error={errors.fps}>
          {(props) => <NumberInput {...props} value={config.fps} disabled={running} onValue={num("fps")} />}
        </Field>
        <Field label="Frames" error={errors.frames}>
          {(props) => <NumberInput {...props} value={config.frames} disabled={running} onValue={num("frames")} />}
        </Field>
      </div>

      <h2 className="anim-heading">Motion</h2>
      <Field label="Zoom" hint="Used when the keyframe table sets no zoom">
        {(props) => (
          <select {...props} value={config.zoomMode} onChange={(e) => set("zoomMode", e.target.value as EngineConfig["zoomMode"])}>
            <option value="levels">Start → end levels</option>
            <option value="schedule">Schedule</option>
          </select>
        )}
      </Field>
      {config.zoomMode === "levels" ? (
        <div className="field-row">
          <Field label="Zoom start" error={errors.zoom}>
            {(props) => <NumberInput {...props} value={config.zoomStart} onValue={num("zoomStart")} />}
          </Field>
          <Field label="Zoom end">
            {(props) => <NumberInput {...props} value={config.zoomEnd} onValue={num("zoomEnd")} />}
          </Field>
        </div>
      ) : (
        <Field label="Zoom schedule" error={errors.zoom} hint="Per-frame factor, e.g. 0:(1.0), 24:(1.02)">
          {(props) => <input {...props} value={config.zoomSchedule} onChange={(e) => set("zoomSchedule", e.target.value)} />}
        </Field>
      )}
      <div className="field-row">
        <Field label="Pan X" error={errors.translation_x} hint="Pixels per frame">
          {(props) => <NumberInput {...props} value={config.panX} onValue={num("panX")} />}
        </Field>
        <Field label="Pan Y" error={errors.translation_y}>
          {(props) => <NumberInput {...props} value={config.panY} onValue={num("panY")} />}
        </Field>
      </div>
      <Field label="Rotation" error={errors.angle} hint="Degrees per frame">
        {(props) => <NumberInput {...props} value={config.angle} onValue={num("angle")} />}
      </Field>

      <h2 className="anim-heading">Overlays</h2>
      <label className="check">
        <input type="checkbox" checked={config.hud} onChange={(e) => set("hud", e.target.checked)} /> HUD
      </label>
      {config.hud && (
        <Field label="HUD corner" error={errors.hud}>
          {(props) => (
            <select {...props} value={config.hudCorner} onChange={(e) => set("hudCorner", e.target.value as Corner)}>
              {CORNERS.map((corner) => (
                <option key={corner} value={corner}>
                  {corner}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <SpritePicker
        sprite={config.sprite}
        error={errors.sprite}
        onChange={(sprite) => set("sprite", sprite)}
        onPath={(path: SpritePath) => config.sprite && set("sprite", { ...config.sprite, path })}
      />
    </div>
  );
}
