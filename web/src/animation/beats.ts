// Beat sync: a track's beats (seconds, from `POST /v1/audio/beats`) → keyframes on their frames
// (frame = round(t · fps)), e.g. a zoom pulse: the peak on each beat, back to the base halfway to the next.
import { withoutColumn, type Column, type KeyframeRow, type KeyframeTable } from "./production";

export interface BeatAnalysis {
  duration_seconds: number;
  tempo_bpm: number;
  beats: number[];
  onsets: number[];
}

export interface Pulse {
  column: Column;
  base: number;
  peak: number;
}

/** The beats with those the tracker left out at either end (librosa's tracker often skips the first beat, which
 * has no beat before it to confirm it): the grid of the tempo extended while an onset falls on it (within
 * `tolerance` seconds), and the onset's time taken. */
export function completeBeats(analysis: BeatAnalysis, tolerance = 0.06): number[] {
  const beats = [...analysis.beats].sort((a, b) => a - b);
  const first = beats[0];
  const last = beats[beats.length - 1];
  if (first === undefined || last === undefined || !(analysis.tempo_bpm > 0)) return beats;
  const period = 60 / analysis.tempo_bpm;
  const onsetNear = (t: number) => analysis.onsets.find((onset) => Math.abs(onset - t) <= tolerance);
  const before: number[] = [];
  for (let t = first - period; t >= -tolerance; t -= period) {
    const onset = onsetNear(t);
    if (onset === undefined) break;
    before.unshift(onset);
    t = onset;
  }
  const after: number[] = [];
  for (let t = last + period; t <= analysis.duration_seconds + tolerance; t += period) {
    const onset = onsetNear(t);
    if (onset === undefined) break;
    after.push(onset);
    t = onset;
  }
  return [...before, ...beats, ...after];
}

/** The frames of `beats` within `frames` frames at `fps`, each once, in order. */
export function beatFrames(beats: readonly number[], fps: number, frames: number): number[] {
  const out = new Set<number>();
  for (const t of beats) {
    const frame = Math.round(t * fps);
    if (frame >= 0 && frame < frames) out.add(frame);
  }
  return [...out].sort((a, b) => a - b);
}

/** `table` with a pulse on `column` at each beat frame (the peak) and halfway to the next beat (the base); the
 * column's other keyframes are replaced, the other columns kept. */
export function applyPulse(table: KeyframeTable, beatsAt: readonly number[], pulse: Pulse, nextId: () => number): KeyframeTable {
  const wanted = new Map<number, number>();
  beatsAt.forEach((frame, i) => {
    const next = beatsAt[i + 1];
    if (i === 0 && frame > 0) wanted.set(0, pulse.base);
    wanted.set(frame, pulse.peak);
    if (next !== undefined && next - frame >= 2) wanted.set(Math.round((frame + next) / 2), pulse.base);
    if (next === undefined) wanted.set(frame + 1, pulse.base);
  });
  const rows: KeyframeRow[] = table.rows.map((row) => ({ ...row, values: withoutColumn(row.values, pulse.column) }));
  for (const [frame, value] of wanted) {
    const row = rows.find((candidate) => candidate.frame === frame);
    if (row !== undefined) row.values = { ...row.values, [pulse.column]: value };
    else rows.push({ id: nextId(), frame, prompt: "", values: { [pulse.column]: value } });
  }
  const kept = rows.filter((row) => row.prompt.trim() !== "" || Object.keys(row.values).length > 0);
  return { ...table, rows: kept.sort((a, b) => a.frame - b.frame) };
}
