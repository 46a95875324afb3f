// The sound stage (/sound-stage): images (a slideshow) or clips from the gallery or uploads, in an order set by
// dragging, each with its seconds, Ken Burns motion, transition and narration line (heard before processing);
// music from an uploaded MP3 or WAV; subtitles burned in or as an .srt → Process: an `assembly` job, followed
// live, then the final video plays here with its download and .srt links. The draft is the page's own; the job's
// id lives in the URL (?job=…).
import { useEffect, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { Field } from "../create/Field";
import { fieldError, messageFor, type FieldError } from "../motionjob/errors";
import { JobRun } from "../motionjob/JobRun";
import { submitMotionJob, type JobResult } from "../motionjob/queries";
import { MediaPicker, MediaPreview } from "../pickers/MediaPicker";
import { EMPTY_STAGE, moveItem, newShot, toAssemblyItem, totalSeconds, type ShotDraft, type Size, type StageDraft } from "../soundstage/plan";
import { ShotList } from "../soundstage/ShotList";
import { speak, useVoices } from "../soundstage/speech";
import "../create/create.css";
import "../motionjob/motionjob.css";
import "../soundstage/soundstage.css";

// The draft outlives the page while the studio stays open (a visit to the gallery and back keeps it; uploads'
// local previews stay valid in the same document); a reload starts afresh.
let keptDraft: StageDraft = EMPTY_STAGE;

const DEFAULT_RATE = 165; // kiln.media.tts.DEFAULT_RATE: the speech route's speed 1; "narrator" below is its default voice (en)

export function SoundStagePage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const jobId = new URLSearchParams(search).get("job");
  const voices = useVoices();
  const [draft, setDraft] = useState<StageDraft>(() => keptDraft);
  useEffect(() => {
    keptDraft = draft;
  }, [draft]);
  const [error, setError] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const [hearing, setHearing] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ key: string; url: string; error: string | null } | null>(null);
  const update = (patch: Partial<StageDraft>) => setDraft((now) => ({ ...now, ...patch }));
  const setShots = (change: (shots: ShotDraft[]) => ShotDraft[]) => setDraft((now) => ({ ...now, shots: change(now.shots) }));

  useEffect(() => () => {
    if (preview?.url) URL.revokeObjectURL(preview.url);
  }, [preview]);

  const hear = async (key: string, text: string) => {
    setHearing(key);
    try {
      const rate = Number(draft.rate) || DEFAULT_RATE;
      const audio = await speak(text, draft.voiceId || "narrator", Math.min(4, Math.max(0.25, rate / DEFAULT_RATE)));
      setPreview({ key, url: URL.createObjectURL(audio), error: null });
    } catch (caught) {
      setPreview({ key, url: "", error: caught instanceof Error ? caught.message : "The voice preview failed" });
    } finally {
      setHearing(null);
    }
  };

  const process = async () => {
    setError(null);
    if (draft.shots.length === 0) {
      setError({ field: "shots", message: "Add at least one image or clip first" });
      return;
    }
    setBusy(true);
    try {
      const created = await submitMotionJob("assembly", toAssemblyItem(draft));
      navigate(`/sound-stage?job=${encodeURIComponent(created.id)}`);
    } catch (caught) {
      setError(fieldError(caught));
    } finally {
      setBusy(false);
    }
  };

  const err = (...fields: string[]) => messageFor(error, ...fields);
  const errorFor = (index: number, field: string) => err(`shots.${index}.${field}`);
  const shotError = error && /^shots\.\d+$/.test(error.field) ? error.message : undefined;
  const known = ["shots", "music", "narration", "subtitles", "resolution", "width", "height", "fps"];
  const general = error && !known.includes(error.field.split(".")[0] ?? "") ? error.message : undefined;
  const total = totalSeconds(draft);

  return (
    <div className="motion-page sound-stage">
      <div className="motion-settings">
        <h1>Sound stage</h1>
        <section className="motion-group" aria-labelledby="ss-shots-title">
          <h2 id="ss-shots-title" className="ss-title">
            Shots {total !== null && draft.shots.length > 0 && <span className="muted">· about {total.toFixed(1)} s</span>}
          </h2>
          <MediaPicker
            label="shots"
            kinds={["image", "video"]}
            multiple
            onPick={(picked) => setShots((shots) => [...shots, ...picked.map(newShot)])}
          />
          {(err("shots") ?? shotError) && (
            <p className="field-error" role="alert">
              {err("shots") ?? shotError}
            </p>
          )}
          {draft.shots.length === 0 ? (
            <p className="muted">Add images for a slideshow, or a clip, from the gallery or your files.</p>
          ) : (
            <ShotList
              shots={draft.shots}
              onChange={(key, patch) => setShots((shots) => shots.map((s) => (s.key === key ? { ...s, ...patch } : s)))}
              onMove={(from, to) => setShots((shots) => moveItem(shots, from, to))}
              onRemove={(key) => setShots((shots) => shots.filter((s) => s.key !== key))}
              onHear={(key, text) => void hear(key, text)}
              hearing={hearing}
              heard={preview}
              errorFor={errorFor}
            />
          )}
        </section>
      </div>
      <div className="motion-result">
        <section className="motion-group" aria-labelledby="ss-sound-title">
          <h2 id="ss-sound-title" className="ss-title">
            Sound
          </h2>
          <div className="ss-music">
            <span className="ss-label">Music</span>
            {draft.music ? (
              <>
                <MediaPreview media={draft.music} />
                <audio src={draft.music.url} controls aria-label="Music preview" />
                <button type="button" onClick={() => update({ music: null })}>
                  Remove music
                </button>
              </>
            ) : (
              <MediaPicker label="music" kinds={["audio"]} onPick={([music]) => music && update({ music })} />
            )}
          </div>
          {err("music") && (
            <p className="field-error" role="alert">
              {err("music")}
            </p>
          )}
          <div className="field-row">
            <Field label={`Music volume: ${Math.round(draft.musicVolume * 100)}%`}>
              {(props) => <input {...props} type="range" min={0} max={2} step={0.05} value={draft.musicVolume} onChange={(e) => update({ musicVolume: Number(e.target.value) })} />}
            </Field>
            <Field label="Voice" error={err("narration.voice")} hint={voices.data?.length === 0 ? "This server has no voice list: its default voice speaks" : undefined}>
              {(props) => (
                <select
                  {...props}
                  value={draft.voiceId}
                  onChange={(e) => {
                    const voice = voices.data?.find((v) => v.id === e.target.value);
                    update({ voiceId: e.target.value, voice: voice?.engine_voice ?? "" });
                  }}
                >
                  <option value="">Default voice</option>
                  {voices.data?.map((voice) => (
                    <option key={voice.id} value={voice.id}>
                      {voice.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <Field label="Words per minute" error={err("narration.rate")} hint="80-450; empty: 165">
            {(props) => <input {...props} type="number" min={80} max={450} value={draft.rate} onChange={(e) => update({ rate: e.target.value })} />}
          </Field>
          <fieldset className="ss-subtitles">
            <legend>Subtitles</legend>
            <label>
              <input type="checkbox" checked={draft.srt} onChange={(e) => update({ srt: e.target.checked })} /> Write an .srt file
            </label>
            <label>
              <input type="checkbox" checked={draft.burn} onChange={(e) => update({ burn: e.target.checked })} /> Burn into the video
            </label>
          </fieldset>
        </section>
        <section className="motion-group" aria-labelledby="ss-out-title">
          <h2 id="ss-out-title" className="ss-title">
            Output
          </h2>
          <div className="field-row">
            <Field label="Size" error={err("resolution", "width", "height")}>
              {(props) => (
                <select {...props} value={draft.size} onChange={(e) => update({ size: e.target.value as Size })}>
                  <option value="320x180">320×180 (draft)</option>
                  <option value="640x360">640×360</option>
                  <option value="720p">720p</option>
                  <option value="1080p">1080p</option>
                  <option value="4k">4K</option>
                </select>
              )}
            </Field>
            <Field label="Frames per second" error={err("fps")} hint="Empty: 30">
              {(props) => <input {...props} type="number" min={1} max={120} value={draft.fps} onChange={(e) => update({ fps: e.target.value })} />}
            </Field>
          </div>
          {general && (
            <p className="field-error" role="alert">
              {general}
            </p>
          )}
          <button type="button" className="primary" disabled={busy} onClick={() => void process()}>
            {busy ? "Sending…" : "Process"}
          </button>
        </section>
        {jobId && (
          <JobRun key={jobId} jobId={jobId} label="Final cut">
            {(results) => results.map((result) => <FinalCut key={result.artifact_id} jobId={jobId} result={result} />)}
          </JobRun>
        )}
      </div>
    </div>
  );
}

function FinalCut({ jobId, result }: { jobId: string; result: JobResult }) {
  const files = Array.isArray(result.metadata.files) ? (result.metadata.files as { name?: unknown }[]) : [];
  const srt = files.map((file) => file.name).find((name): name is string => typeof name === "string" && name.endsWith(".srt"));
  return (
    <figure className="motion-player">
      <video src={result.url} controls playsInline preload="auto" aria-label="The final video" />
      <figcaption className="ss-downloads">
        <a href={result.url} download>
          Download the video
        </a>
        {srt && (
          <a href={`/v1/artifacts/${encodeURIComponent(result.artifact_id)}/files/${encodeURIComponent(srt)}`} download>
            Subtitles (.srt)
          </a>
        )}
        <Link href={`/gallery?job=${encodeURIComponent(jobId)}`}>In the gallery</Link>
      </figcaption>
    </figure>
  );
}
