// The settings sidebar: model, style (with its template), quality, aspect ratio and size, number of images,
// seed, negative prompt, steps / CFG / sampler, output format.
import { formatMegapixels, megapixelsOf, parseAspect, sideProblem, sizeForAspect, type Size } from "./aspect";
import type { ErrorSlot } from "./errors";
import { Field, numberOrNull } from "./Field";
import { CUSTOM_ASPECT, MAX_FORM_SEED, randomSeed, type Format, type FormValues, type Quality, type SeedMode } from "./form";
import type { FamilyPresets, ModelEntry, Presets, StyleEntry } from "./types";

export const MAX_IMAGES = 100;

interface SettingsPanelProps {
  form: FormValues;
  set: (changes: Partial<FormValues>) => void;
  models: ModelEntry[];
  model: ModelEntry | undefined;
  family: FamilyPresets | undefined;
  styles: StyleEntry[];
  presets: Presets | undefined;
  errors: Partial<Record<ErrorSlot, string>>;
}

/** The size the form asks for, as the server will make it. */
export function plannedSize(form: FormValues, family: FamilyPresets | undefined): Size | null {
  if (form.aspect === CUSTOM_ASPECT) return [form.width, form.height];
  const ratio = parseAspect(form.aspect);
  if (ratio === null || family === undefined) return null;
  return sizeForAspect(ratio, form.megapixels ?? family.default_megapixels, family.size_multiple);
}

export function SettingsPanel({ form, set, models, model, family, styles, presets, errors }: SettingsPanelProps) {
  const style = styles.find((s) => s.name === form.style);
  const size = plannedSize(form, family);
  const sideNote = (value: number) =>
    family ? sideProblem(value, family.size_multiple, family.min_side, family.max_side) : null;
  const widthProblem = form.aspect === CUSTOM_ASPECT ? sideNote(form.width) : null;
  const heightProblem = form.aspect === CUSTOM_ASPECT ? sideNote(form.height) : null;
  const qualitySteps = family?.quality_steps ?? {};
  return (
    <div className="settings">
      <Field label="Model" error={errors.model} hint={model?.description}>
        {(props) => (
          <select {...props} value={model?.id ?? form.model} onChange={(e) => set({ model: e.target.value })}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.id}
                {m.default ? " (default)" : ""}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        label="Style"
        error={errors.style}
        hint={style && style.prompt !== "{prompt}" ? <span className="style-template">{style.prompt}</span> : null}
      >
        {(props) => (
          <select {...props} value={form.style} onChange={(e) => set({ style: e.target.value })}>
            <option value="">None</option>
            {styles.map((s) => (
              <option key={s.name} value={s.name} title={s.prompt}>
                {s.name}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field label="Quality" error={errors.quality ?? errors.steps}>
        {(props) => (
          <select
            {...props}
            value={form.quality}
            onChange={(e) => set({ quality: e.target.value as Quality, steps: null })}
          >
            <option value="">Model default{family ? ` (${family.default_steps} steps)` : ""}</option>
            {(presets?.qualities ?? []).map((q) => (
              <option key={q} value={q}>
                {q}
                {qualitySteps[q] !== undefined ? ` (${qualitySteps[q]} steps)` : ""}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        label="Aspect ratio"
        error={errors.aspect}
        hint={size ? `${size[0]} × ${size[1]} · ${formatMegapixels(megapixelsOf(size))}` : null}
      >
        {(props) => (
          <select {...props} value={form.aspect} onChange={(e) => set(aspectChange(e.target.value, form, size))}>
            {(presets?.aspect_ratios ?? ["1:1"]).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
            <option value={CUSTOM_ASPECT}>Custom width × height</option>
          </select>
        )}
      </Field>
      {form.aspect === CUSTOM_ASPECT ? (
        <div className="field-row">
          <Field label="Width" error={widthProblem ?? undefined}>
            {(props) => (
              <input
                {...props}
                type="number"
                inputMode="numeric"
                min={family?.min_side}
                max={family?.max_side}
                step={family?.size_multiple}
                value={form.width}
                onChange={(e) => set({ width: Number(e.target.value) })}
              />
            )}
          </Field>
          <Field label="Height" error={heightProblem ?? undefined}>
            {(props) => (
              <input
                {...props}
                type="number"
                inputMode="numeric"
                min={family?.min_side}
                max={family?.max_side}
                step={family?.size_multiple}
                value={form.height}
                onChange={(e) => set({ height: Number(e.target.value) })}
              />
            )}
          </Field>
        </div>
      ) : (
        <Field label="Megapixels">
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="decimal"
              min={0.001}
              max={64}
              step="any"
              placeholder={family ? `${family.default_megapixels} (model default)` : "model default"}
              value={form.megapixels ?? ""}
              onChange={(e) => set({ megapixels: numberOrNull(e.target.value) })}
            />
          )}
        </Field>
      )}

      <Field label="Number of images" error={errors.count}>
        {(props) => (
          <input
            {...props}
            type="number"
            inputMode="numeric"
            min={1}
            max={MAX_IMAGES}
            value={form.count}
            onChange={(e) => set({ count: Math.max(1, Math.floor(Number(e.target.value) || 1)) })}
          />
        )}
      </Field>

      <Field
        label="Seed"
        error={errors.seed}
        hint={
          form.seedMode === "random"
            ? "A new seed for every image (each image records its own)"
            : form.seedMode === "fixed"
              ? "Every prompt starts from this seed"
              : "Image i of the job gets this seed + i"
        }
      >
        {(props) => (
          <select {...props} value={form.seedMode} onChange={(e) => set({ seedMode: e.target.value as SeedMode })}>
            <option value="random">Random</option>
            <option value="fixed">Fixed</option>
            <option value="start">Start + index</option>
          </select>
        )}
      </Field>
      {form.seedMode !== "random" && (
        <div className="seed-value">
          <input
            aria-label="Seed value"
            type="number"
            inputMode="numeric"
            min={0}
            max={MAX_FORM_SEED}
            value={form.seed}
            onChange={(e) => set({ seed: Math.max(0, Math.floor(Number(e.target.value) || 0)) })}
          />
          <button type="button" onClick={() => set({ seed: randomSeed() })}>
            New seed
          </button>
        </div>
      )}

      <Field
        label="Negative prompt"
        error={errors.negativePrompt}
        hint={model && !model.supports_negative ? `${model.family} models take no negative prompt` : undefined}
      >
        {(props) => (
          <textarea
            {...props}
            rows={2}
            value={form.negativePrompt}
            disabled={model !== undefined && !model.supports_negative}
            onChange={(e) => set({ negativePrompt: e.target.value })}
          />
        )}
      </Field>

      <details className="advanced" open={form.steps !== null || form.guidance !== null || form.sampler !== ""}>
        <summary>Steps, CFG, sampler</summary>
        <Field label="Steps" error={errors.steps}>
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="numeric"
              min={1}
              max={family?.max_steps ?? 500}
              placeholder={family ? String(qualitySteps[form.quality] ?? family.default_steps) : ""}
              value={form.steps ?? ""}
              onChange={(e) => set({ steps: numberOrNull(e.target.value) })}
            />
          )}
        </Field>
        <Field label="CFG" error={errors.guidance}>
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="decimal"
              min={0}
              max={50}
              step={0.5}
              placeholder={family ? String(family.default_guidance) : ""}
              value={form.guidance ?? ""}
              onChange={(e) => set({ guidance: numberOrNull(e.target.value) })}
            />
          )}
        </Field>
        <Field label="Sampler" error={errors.sampler}>
          {(props) => (
            <select {...props} value={form.sampler} onChange={(e) => set({ sampler: e.target.value })}>
              <option value="">Model default</option>
              {(family?.schedulers ?? [])
                .filter((s) => s !== "default")
                .map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
            </select>
          )}
        </Field>
      </details>

      <div className="field-row">
        <Field label="Format" error={errors.format}>
          {(props) => (
            <select {...props} value={form.format} onChange={(e) => set({ format: e.target.value as Format })}>
              {(presets?.formats ?? ["png"]).map((f) => (
                <option key={f} value={f}>
                  {f.toUpperCase()}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Output quality">
          {(props) => (
            <input
              {...props}
              type="number"
              inputMode="numeric"
              min={1}
              max={100}
              placeholder={form.format === "png" ? "lossless" : "90"}
              disabled={form.format === "png"}
              value={form.outputQuality ?? ""}
              onChange={(e) => set({ outputQuality: numberOrNull(e.target.value) })}
            />
          )}
        </Field>
      </div>
    </div>
  );
}

/** Switching to a custom size starts from the size shown, so the picture does not jump. */
function aspectChange(aspect: string, form: FormValues, size: Size | null): Partial<FormValues> {
  if (aspect === CUSTOM_ASPECT && form.aspect !== CUSTOM_ASPECT && size !== null) {
    return { aspect, width: size[0], height: size[1] };
  }
  return { aspect };
}
