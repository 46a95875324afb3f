// The Video page (/video): a still from the gallery, an upload, or text only → a `video` job → its progress → the
// clip playing in the page (and in the gallery). Two more modes make a face speak: Lip-sync (`lipsync` job) and
// Talking avatar (`avatar` job), in web/src/video/TalkForms.tsx; all three share the job view and the player. The running job's id lives in the URL (?job=…), so a reload or
// a shared link shows the same job.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, unwrap } from "../api/client";
import { Field } from "../create/Field";
import { fieldError, messageFor, type FieldError } from "../motionjob/errors";
import { JobRun } from "../motionjob/JobRun";
import { submitMotionJob } from "../motionjob/queries";
import { MediaPicker, MediaPreview } from "../pickers/MediaPicker";
import { AvatarFormView, LipsyncFormView } from "../video/TalkForms";
import type { VideoMode } from "../video/talk";
import { EMPTY_FORM, isSvd, toVideoItem, type LengthUnit, type Loop, type VideoForm, type VideoFormat } from "../video/form";
import "../create/create.css";
import "../motionjob/motionjob.css";

// The form outlives the page while the studio stays open (to the gallery and back); a reload starts afresh.
let keptForm: VideoForm = EMPTY_FORM;
let keptMode: VideoMode = "clip";

const MODES: readonly [VideoMode, string][] = [
  ["clip", "Clip"],
  ["lipsync", "Lip-sync"],
  ["avatar", "Talking avatar"],
];

function useVideoModels() {
  return useQuery({
    queryKey: ["models", "video"],
    queryFn: async () => unwrap(await api.GET("/v1/models")).data.filter((model) => model.video),
    staleTime: 5 * 60_000,
  });
}

export function VideoPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const jobId = new URLSearchParams(search).get("job");
  const models = useVideoModels();
  const [form, setForm] = useState<VideoForm>(() => keptForm);
  const [mode, setMode] = useState<VideoMode>(() => keptMode);
  useEffect(() => {
    keptMode = mode;
  }, [mode]);
  const follow = (id: string) => navigate(`/video?job=${encodeURIComponent(id)}`);
  useEffect(() => {
    keptForm = form;
  }, [form]);
  const [error, setError] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof VideoForm>(key: K, value: VideoForm[K]) => setForm((now) => ({ ...now, [key]: value }));

  // until one is chosen: the first model that can start from what is given (SVD animates a still, reads no text)
  const model =
    models.data?.find((m) => m.id === form.model) ??
    models.data?.find((m) => form.still !== null || !isSvd(m.family)) ??
    models.data?.[0];
  const family = model?.family;
  const svd = isSvd(family);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await submitMotionJob("video", toVideoItem({ ...form, model: model?.id ?? form.model }, family));
      follow(created.id);
    } catch (caught) {
      setError(fieldError(caught));
    } finally {
      setBusy(false);
    }
  };
  const err = (...fields: string[]) => messageFor(error, ...fields);
  const shown = new Set(["image", "mode", "prompt", "negative_prompt", "model", "family", "frames", "duration", "fps", "width", "height", "steps", "seed", "motion_bucket_id", "noise_aug_strength", "segments", "loop", "loop_frames", "enhance", "format"]);
  const general = error && !shown.has(error.field.split(".")[0] ?? "") ? error.message : undefined;

  return (
    <div className="motion-page">
      <div className="motion-settings">
        <h1>Video</h1>
        <div className="motion-radios" role="radiogroup" aria-label="Mode">
          {MODES.map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="video-mode" checked={mode === value} onChange={() => setMode(value)} /> {label}
            </label>
          ))}
        </div>
        {mode === "lipsync" && <LipsyncFormView onSubmitted={follow} />}
        {mode === "avatar" && <AvatarFormView onSubmitted={follow} videoModels={(models.data ?? []).map((m) => m.id)} />}
        {mode === "clip" && (
      <form className="motion-settings" aria-label="Video settings" onSubmit={(event) => void submit(event)}>
        <fieldset className="motion-group">
          <legend>Start from</legend>
          <div className="motion-radios">
            {form.still ? (
              <>
                <MediaPreview media={form.still} />
                <button type="button" onClick={() => set("still", null)}>
                  Text only
                </button>
              </>
            ) : (
              <span className="muted">Text only, or a still:</span>
            )}
          </div>
          <MediaPicker label="a still" kinds={["image"]} onPick={([still]) => still && set("still", still)} />
          {(err("image") ?? err("mode")) && (
            <p className="field-error" role="alert">
              {err("image") ?? err("mode")}
            </p>
          )}
        </fieldset>
        <Field label="Prompt" error={err("prompt")} hint={svd ? "SVD reads no prompt: it animates the still" : undefined}>
          {(props) => <textarea {...props} rows={3} value={form.prompt} onChange={(e) => set("prompt", e.target.value)} />}
        </Field>
        <Field label="Negative prompt" error={err("negative_prompt")}>
          {(props) => <input {...props} value={form.negative} onChange={(e) => set("negative", e.target.value)} />}
        </Field>
        <Field label="Model" error={err("model", "family")}>
          {(props) => (
            <select {...props} value={model?.id ?? ""} onChange={(e) => set("model", e.target.value)}>
              {models.data?.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field-row">
          <Field label={form.lengthUnit === "frames" ? "Length (frames)" : "Length (seconds)"} error={err("frames", "duration")} hint="Empty: the model's default">
            {(props) => (
              <input {...props} type="number" min={form.lengthUnit === "frames" ? 2 : 0.1} step={form.lengthUnit === "frames" ? 1 : 0.1} value={form.length} onChange={(e) => set("length", e.target.value)} />
            )}
          </Field>
          <Field label="Length in">
            {(props) => (
              <select {...props} value={form.lengthUnit} onChange={(e) => set("lengthUnit", e.target.value as LengthUnit)}>
                <option value="seconds">seconds</option>
                <option value="frames">frames</option>
              </select>
            )}
          </Field>
        </div>
        <div className="field-row">
          <Field label="Frames per second" error={err("fps")}>
            {(props) => <input {...props} type="number" min={1} max={120} step="any" value={form.fps} onChange={(e) => set("fps", e.target.value)} />}
          </Field>
          <Field label="Format" error={err("format")}>
            {(props) => (
              <select {...props} value={form.format} onChange={(e) => set("format", e.target.value as VideoFormat)}>
                <option value="mp4">MP4</option>
                <option value="webm">WebM</option>
                <option value="gif">GIF</option>
                <option value="webp">WebP</option>
              </select>
            )}
          </Field>
        </div>
        {svd && (
          <div className="field-row">
            <Field label="Motion bucket" error={err("motion_bucket_id")} hint="1-1023: more is more motion">
              {(props) => <input {...props} type="number" min={1} max={1023} value={form.motionBucket} onChange={(e) => set("motionBucket", e.target.value)} />}
            </Field>
            <Field label="Noise augmentation" error={err("noise_aug_strength")} hint="0-1: less keeps the still">
              {(props) => <input {...props} type="number" min={0} max={1} step={0.01} value={form.noiseAug} onChange={(e) => set("noiseAug", e.target.value)} />}
            </Field>
          </div>
        )}
        <details className="advanced">
          <summary>More settings</summary>
          <div className="field-row">
            <Field label="Width" error={err("width")}>
              {(props) => <input {...props} type="number" min={8} step={8} value={form.width} onChange={(e) => set("width", e.target.value)} />}
            </Field>
            <Field label="Height" error={err("height")}>
              {(props) => <input {...props} type="number" min={8} step={8} value={form.height} onChange={(e) => set("height", e.target.value)} />}
            </Field>
          </div>
          <div className="field-row">
            <Field label="Steps" error={err("steps")}>
              {(props) => <input {...props} type="number" min={1} max={500} value={form.steps} onChange={(e) => set("steps", e.target.value)} />}
            </Field>
            <Field label="Seed" error={err("seed")} hint="Empty: random">
              {(props) => <input {...props} type="number" min={0} value={form.seed} onChange={(e) => set("seed", e.target.value)} />}
            </Field>
          </div>
          <Field label="Segments" error={err("segments")} hint="For long videos: each starts from the last frame of the one before">
            {(props) => <input {...props} type="number" min={1} value={form.segments} onChange={(e) => set("segments", e.target.value)} />}
          </Field>
          <div className="field-row">
            <Field label="Loop" error={err("loop")}>
              {(props) => (
                <select {...props} value={form.loop} onChange={(e) => set("loop", e.target.value as Loop)}>
                  <option value="none">No loop</option>
                  <option value="crossfade">Crossfade</option>
                  <option value="pingpong">Ping-pong</option>
                </select>
              )}
            </Field>
            {form.loop === "crossfade" && (
              <Field label="Crossfade frames" error={err("loop_frames")}>
                {(props) => <input {...props} type="number" min={1} value={form.loopFrames} onChange={(e) => set("loopFrames", e.target.value)} />}
              </Field>
            )}
          </div>
          <Field label={`Smoothing: ${form.smooth.toFixed(2)}`} error={err("enhance.smooth")}>
            {(props) => <input {...props} type="range" min={0} max={1} step={0.05} value={form.smooth} onChange={(e) => set("smooth", Number(e.target.value))} />}
          </Field>
          <Field label={`Sharpening: ${form.sharpen.toFixed(2)}`} error={err("enhance.sharpen")}>
            {(props) => <input {...props} type="range" min={0} max={1} step={0.05} value={form.sharpen} onChange={(e) => set("sharpen", Number(e.target.value))} />}
          </Field>
        </details>
        {general && (
          <p className="field-error" role="alert">
            {general}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || models.isPending}>
          {busy ? "Sending…" : "Make video"}
        </button>
      </form>
        )}
      </div>
      <section className="motion-result" aria-label="Result">
        {jobId ? (
          <JobRun key={jobId} jobId={jobId} label="Video">
            {(results) =>
              results.map((result) => (
                <figure key={result.artifact_id} className="motion-player">
                  {result.content_type.startsWith("video/") ? (
                    <video src={result.url} controls loop playsInline preload="auto" aria-label="The video" />
                  ) : (
                    <img src={result.url} alt="The video (animated image)" />
                  )}
                  <figcaption>
                    <a href={result.url} download>
                      Download
                    </a>{" "}
                    · <Link href={`/gallery?job=${encodeURIComponent(jobId)}`}>In the gallery</Link>
                  </figcaption>
                </figure>
              ))
            }
          </JobRun>
        ) : mode === "clip" && form.still ? (
          <MediaPreview media={form.still} size="large" />
        ) : (
          <p className="muted motion-empty">
            {mode === "clip"
              ? "Pick a still or write a prompt, then Make video."
              : mode === "lipsync"
                ? "Pick a clip with a face and a speech file, then Lip-sync."
                : "Pick a portrait and type a line (or give a speech file), then Make avatar."}{" "}
            The video plays here and lands in the gallery.
          </p>
        )}
      </section>
    </div>
  );
}
