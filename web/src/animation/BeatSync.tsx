// Beat sync: upload a music track, kiln finds its tempo and beats (`POST /v1/audio/beats`), and a pulse on a
// column becomes keyframes on the beats' frames; the track becomes the video's audio.
import { useState } from "react";
import { ApiError } from "../api/client";
import { Field } from "../create/Field";
import { MediaPicker } from "../pickers/MediaPicker";
import type { MediaRef } from "../pickers/media";
import { analyseBeats } from "./api";
import { applyPulse, beatFrames, completeBeats, type BeatAnalysis } from "./beats";
import { NumberInput } from "./NumberInput";
import { COLUMN_LABELS, COLUMNS, type Column, type EngineConfig, type KeyframeTable } from "./production";

interface Props {
  config: EngineConfig;
  onAudio: (audio: EngineConfig["audio"]) => void;
  table: KeyframeTable;
  onTable: (table: KeyframeTable) => void;
  onBpm: (bpm: number) => void;
  nextId: () => number;
  running: boolean;
}

export function BeatSync({ config, onAudio, table, onTable, onBpm, nextId, running }: Props) {
  const [analysis, setAnalysis] = useState<BeatAnalysis | null>(null);
  const [track, setTrack] = useState<{ ref: string; name: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [column, setColumn] = useState<Column>("zoom");
  const [base, setBase] = useState(1);
  const [peak, setPeak] = useState(1.05);

  const load = async (picked: MediaRef) => {
    setBusy(true);
    setProblem(null);
    try {
      const found = await analyseBeats(picked.ref);
      setTrack({ ref: picked.ref, name: picked.name });
      setAnalysis(found);
      onBpm(found.tempo_bpm);
      onAudio({ ref: picked.ref, name: picked.name });
    } catch (err) {
      setProblem(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const beats = analysis === null ? [] : completeBeats(analysis);
  const onBeats = beatFrames(beats, config.fps, config.frames);
  return (
    <fieldset className="anim-group anim-beats">
      <legend>Beat sync</legend>
      <p className="field-hint">A music track (MP3 or WAV): its beats become keyframes, and it becomes the video's audio.</p>
      <MediaPicker label="music track" kinds={["audio"]} disabled={busy || running} onPick={([picked]) => picked && void load(picked)} />
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {busy && <p aria-live="polite">Finding the beats…</p>}
      {analysis && (
        <p className="anim-beat-summary" aria-live="polite">
          {Math.round(analysis.tempo_bpm)} BPM · {beats.length} beats in {analysis.duration_seconds.toFixed(1)} s ·{" "}
          {onBeats.length} within the {config.frames} frames
        </p>
      )}
      {analysis && (
        <div className="anim-beat-pulse">
          <Field label="Pulse column">
            {(props) => (
              <select {...props} value={column} onChange={(e) => setColumn(e.target.value as Column)}>
                {COLUMNS.filter((c) => c !== "seed").map((c) => (
                  <option key={c} value={c}>
                    {COLUMN_LABELS[c]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Pulse base">{(props) => <NumberInput {...props} value={base} onValue={(v) => v !== null && setBase(v)} />}</Field>
          <Field label="Pulse peak">{(props) => <NumberInput {...props} value={peak} onValue={(v) => v !== null && setPeak(v)} />}</Field>
          <button type="button" onClick={() => onTable(applyPulse(table, onBeats, { column, base, peak }, nextId))}>
            Keyframes on beats
          </button>
        </div>
      )}
      {track && (
        <label className="check">
          <input
            type="checkbox"
            checked={config.audio?.ref === track.ref}
            disabled={running}
            onChange={(e) => onAudio(e.target.checked ? track : null)}
          />{" "}
          Use {track.name} as the video's audio
        </label>
      )}
    </fieldset>
  );
}
