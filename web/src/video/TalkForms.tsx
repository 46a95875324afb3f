// The Video page's talking modes: Lip-sync (a clip + a speech file → `lipsync` job) and Talking avatar (a portrait +
// a typed line or a speech file → `avatar` job). Each form submits its job and hands the id to the page, which
// follows it and plays the result as it does a clip's.
import { useEffect, useState, type FormEvent } from "react";
import { Field } from "../create/Field";
import { fieldError, messageFor, type FieldError } from "../motionjob/errors";
import { submitMotionJob } from "../motionjob/queries";
import { MediaPicker, MediaPreview } from "../pickers/MediaPicker";
import type { MediaRef } from "../pickers/media";
import { useVoices } from "../soundstage/speech";
import { EMPTY_AVATAR, EMPTY_LIPSYNC, toAvatarItem, toLipsyncItem, type AvatarForm, type LipsyncForm, type Padding } from "./talk";

// Kept while the studio stays open, as the clip form is.
let keptLipsync: LipsyncForm = EMPTY_LIPSYNC;
let keptAvatar: AvatarForm = EMPTY_AVATAR;

interface Submitted {
  onSubmitted: (jobId: string) => void;
}

/** Submitting one job with its field errors kept; `general` is the message no shown field names. */
function useSubmit(onSubmitted: (jobId: string) => void, shown: readonly string[]) {
  const [error, setError] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (kind: "lipsync" | "avatar", item: Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      onSubmitted((await submitMotionJob(kind, item)).id);
    } catch (caught) {
      setError(fieldError(caught));
    } finally {
      setBusy(false);
    }
  };
  const err = (...fields: string[]) => messageFor(error, ...fields);
  const general = error && !shown.includes(error.field.split(".")[0] ?? "") ? error.message : undefined;
  return { submit, busy, err, general };
}

function Chosen({ media, label, onClear }: { media: MediaRef | null; label: string; onClear: () => void }) {
  if (!media) return <span className="muted">No {label} yet:</span>;
  return (
    <>
      <MediaPreview media={media} />
      <button type="button" onClick={onClear} aria-label={`Remove the ${label}`}>
        Remove
      </button>
    </>
  );
}

function ErrorLine({ message }: { message: string | undefined }) {
  return message ? (
    <p className="field-error" role="alert">
      {message}
    </p>
  ) : null;
}

function PaddingFields({ padding, onChange, err }: { padding: Padding; onChange: (p: Padding) => void; err: (f: string) => string | undefined }) {
  return (
    <details className="advanced">
      <summary>Face padding</summary>
      <p className="field-hint">Pixels added around the face found in each frame; more at the bottom takes in the chin.</p>
      <div className="field-row">
        {(["top", "bottom", "left", "right"] as const).map((side) => (
          <Field key={side} label={`Padding ${side}`} error={err(`padding.${side}`)}>
            {(props) => (
              <input {...props} type="number" min={0} max={1024} value={padding[side]} onChange={(e) => onChange({ ...padding, [side]: e.target.value })} />
            )}
          </Field>
        ))}
      </div>
    </details>
  );
}

export function LipsyncFormView({ onSubmitted }: Submitted) {
  const [form, setForm] = useState<LipsyncForm>(() => keptLipsync);
  useEffect(() => {
    keptLipsync = form;
  }, [form]);
  const { submit, busy, err, general } = useSubmit(onSubmitted, ["video", "audio", "padding"]);
  return (
    <form className="motion-settings" aria-label="Lip-sync settings" onSubmit={(e: FormEvent) => (e.preventDefault(), void submit("lipsync", toLipsyncItem(form)))}>
      <fieldset className="motion-group">
        <legend>Clip with a face</legend>
        <div className="motion-radios">
          <Chosen media={form.video} label="clip" onClear={() => setForm({ ...form, video: null })} />
        </div>
        <MediaPicker label="a clip" kinds={["video"]} onPick={([video]) => video && setForm({ ...form, video })} />
        <ErrorLine message={err("video")} />
      </fieldset>
      <fieldset className="motion-group">
        <legend>Speech</legend>
        <div className="motion-radios">
          <Chosen media={form.audio} label="speech" onClear={() => setForm({ ...form, audio: null })} />
        </div>
        <MediaPicker label="the speech" kinds={["audio"]} onPick={([audio]) => audio && setForm({ ...form, audio })} />
        <p className="field-hint">A sound file of the words (a typed line can be spoken on the Sound stage, or in Talking avatar).</p>
        <ErrorLine message={err("audio")} />
      </fieldset>
      <PaddingFields padding={form.padding} onChange={(padding) => setForm({ ...form, padding })} err={err} />
      <ErrorLine message={general} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Sending…" : "Lip-sync"}
      </button>
    </form>
  );
}

export function AvatarFormView({ onSubmitted, videoModels }: Submitted & { videoModels: readonly string[] }) {
  const [form, setForm] = useState<AvatarForm>(() => keptAvatar);
  useEffect(() => {
    keptAvatar = form;
  }, [form]);
  const set = <K extends keyof AvatarForm>(key: K, value: AvatarForm[K]) => setForm({ ...form, [key]: value });
  const voices = useVoices();
  const { submit, busy, err, general } = useSubmit(onSubmitted, ["image", "audio", "text", "voice", "rate", "video_model", "fps", "steps", "seed", "padding"]);
  return (
    <form className="motion-settings" aria-label="Talking avatar settings" onSubmit={(e: FormEvent) => (e.preventDefault(), void submit("avatar", toAvatarItem(form)))}>
      <fieldset className="motion-group">
        <legend>Portrait</legend>
        <div className="motion-radios">
          <Chosen media={form.image} label="portrait" onClear={() => set("image", null)} />
        </div>
        <MediaPicker label="a portrait" kinds={["image"]} onPick={([image]) => image && set("image", image)} />
        <p className="field-hint">One face, facing the camera.</p>
        <ErrorLine message={err("image")} />
      </fieldset>
      <fieldset className="motion-group">
        <legend>Speech</legend>
        <div className="motion-radios" role="radiogroup" aria-label="Speech from">
          <label>
            <input type="radio" name="avatar-speech" checked={form.speech === "text"} onChange={() => set("speech", "text")} /> A typed line
          </label>
          <label>
            <input type="radio" name="avatar-speech" checked={form.speech === "file"} onChange={() => set("speech", "file")} /> A speech file
          </label>
        </div>
        {form.speech === "text" ? (
          <>
            <Field label="Line to speak" error={err("text") ?? err("audio")}>
              {(props) => <textarea {...props} rows={3} maxLength={2000} value={form.text} onChange={(e) => set("text", e.target.value)} />}
            </Field>
            <Field label="Voice" error={err("voice")}>
              {(props) => (
                <select {...props} value={form.voice} onChange={(e) => set("voice", e.target.value)}>
                  <option value="">Default</option>
                  {voices.data?.map((voice) => (
                    <option key={voice.id} value={voice.engine_voice}>
                      {voice.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </>
        ) : (
          <>
            <div className="motion-radios">
              <Chosen media={form.audio} label="speech" onClear={() => set("audio", null)} />
            </div>
            <MediaPicker label="the speech" kinds={["audio"]} onPick={([audio]) => audio && set("audio", audio)} />
            <ErrorLine message={err("audio")} />
          </>
        )}
      </fieldset>
      <details className="advanced">
        <summary>More settings</summary>
        <Field label="Motion model" error={err("video_model")} hint="The image-to-video model that moves the head">
          {(props) => (
            <select {...props} value={form.videoModel} onChange={(e) => set("videoModel", e.target.value)}>
              <option value="">Default (tiny-svd)</option>
              {videoModels.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field-row">
          <Field label="Frames per second" error={err("fps")}>
            {(props) => <input {...props} type="number" min={1} max={60} step="any" value={form.fps} onChange={(e) => set("fps", e.target.value)} />}
          </Field>
          <Field label="Steps" error={err("steps")}>
            {(props) => <input {...props} type="number" min={1} max={100} value={form.steps} onChange={(e) => set("steps", e.target.value)} />}
          </Field>
          <Field label="Seed" error={err("seed")}>
            {(props) => <input {...props} type="number" min={0} value={form.seed} onChange={(e) => set("seed", e.target.value)} />}
          </Field>
        </div>
      </details>
      <PaddingFields padding={form.padding} onChange={(padding) => set("padding", padding)} err={err} />
      <ErrorLine message={general} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Sending…" : "Make avatar"}
      </button>
    </form>
  );
}
