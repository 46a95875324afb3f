// The keyframe editor (Parseq's ideas): a table of keyframes (frame → prompt and the columns), an interpolation
// per column, times in frames, seconds or beats, and the chosen column's curve over the frames with draggable
// points. The table is the keyboard way to everything the curve does.
import { useRef, useState } from "react";
import { CurveView } from "./CurveView";
import { NumberInput } from "./NumberInput";
import {
  COLUMN_LABELS,
  COLUMNS,
  frameToUnit,
  unitToFrame,
  withoutColumn,
  type Column,
  type KeyframeRow,
  type KeyframeTable,
  type TimeUnit,
} from "./production";
import type { Interpolation } from "./schedules";

interface Props {
  table: KeyframeTable;
  onChange: (next: KeyframeTable) => void;
  frames: number;
  fps: number;
  bpm: number;
  onBpm: (bpm: number) => void;
  nextId: () => number;
  error?: string;
}

export function KeyframeEditor({ table, onChange, frames, fps, bpm, onBpm, nextId, error }: Props) {
  const [unit, setUnit] = useState<TimeUnit>("frames");
  const [shown, setShown] = useState<Column>("zoom");
  const tableRef = useRef<HTMLTableElement>(null);
  const rows = [...table.rows].sort((a, b) => a.frame - b.frame);
  const update = (id: number, change: (row: KeyframeRow) => KeyframeRow) =>
    onChange({ ...table, rows: table.rows.map((row) => (row.id === id ? change(row) : row)) });
  const setValue = (row: KeyframeRow, column: Column, value: number | null) =>
    update(row.id, (r) => ({ ...r, values: value === null ? withoutColumn(r.values, column) : { ...r.values, [column]: value } }));
  const add = () => {
    const last = rows[rows.length - 1];
    const frame = last === undefined ? 0 : Math.min(frames - 1, last.frame + Math.max(1, Math.round(fps)));
    onChange({ ...table, rows: [...table.rows, { id: nextId(), frame, prompt: "", values: {} }] });
  };
  return (
    <section className="anim-keyframes" aria-labelledby="keyframes-heading">
      <div className="anim-toolbar">
        <h2 id="keyframes-heading" className="anim-heading">
          Keyframes
        </h2>
        <label>
          Time in{" "}
          <select aria-label="Time unit" value={unit} onChange={(e) => setUnit(e.target.value as TimeUnit)}>
            <option value="frames">frames</option>
            <option value="seconds">seconds</option>
            <option value="beats">beats</option>
          </select>
        </label>
        {unit === "beats" && (
          <label>
            BPM <NumberInput aria-label="BPM" className="anim-narrow" value={bpm} onValue={(v) => v !== null && v > 0 && onBpm(v)} />
          </label>
        )}
        <button type="button" onClick={add}>
          Add keyframe
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <CurveView
        table={table}
        column={shown}
        onColumn={setShown}
        frames={frames}
        onMove={(id, frame, value) =>
          update(id, (row) => ({ ...row, frame: Math.max(0, Math.min(frames - 1, frame)), values: { ...row.values, [shown]: value } }))
        }
      />
      <div className="anim-table-wrap">
        <table ref={tableRef} className="anim-table">
          <thead>
            <tr>
              <th scope="col">{unit === "frames" ? "Frame" : unit === "seconds" ? "Second" : "Beat"}</th>
              <th scope="col">Prompt</th>
              {COLUMNS.map((column) => (
                <th scope="col" key={column}>
                  {COLUMN_LABELS[column]}
                  <select
                    aria-label={`${COLUMN_LABELS[column]} interpolation`}
                    value={table.interpolation[column]}
                    onChange={(e) =>
                      onChange({ ...table, interpolation: { ...table.interpolation, [column]: e.target.value as Interpolation } })
                    }
                  >
                    <option value="step">step</option>
                    <option value="linear">linear</option>
                    <option value="smooth">smooth</option>
                  </select>
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length + 3} className="anim-empty">
                  No keyframes: the sidebar's values hold for every frame. Add one, or make them from a track's beats.
                </td>
              </tr>
            )}
            {rows.map((row, i) => (
              <tr key={row.id} data-frame={row.frame}>
                <td>
                  <NumberInput
                    aria-label={`Keyframe ${i + 1} time`}
                    className="anim-narrow"
                    value={frameToUnit(row.frame, unit, fps, bpm)}
                    onValue={(v) => v !== null && update(row.id, (r) => ({ ...r, frame: Math.max(0, unitToFrame(v, unit, fps, bpm)) }))}
                  />
                </td>
                <td>
                  <input
                    aria-label={`Keyframe ${i + 1} prompt`}
                    value={row.prompt}
                    placeholder="(unchanged)"
                    onChange={(e) => update(row.id, (r) => ({ ...r, prompt: e.target.value }))}
                  />
                </td>
                {COLUMNS.map((column) => (
                  <td key={column}>
                    <NumberInput
                      aria-label={`Keyframe ${i + 1} ${COLUMN_LABELS[column]}`}
                      className="anim-narrow"
                      value={row.values[column] ?? null}
                      onValue={(v) => setValue(row, column, v)}
                    />
                  </td>
                ))}
                <td>
                  <button
                    type="button"
                    aria-label={`Remove keyframe ${i + 1}`}
                    onClick={() => onChange({ ...table, rows: table.rows.filter((r) => r.id !== row.id) })}
                  >
                    ×
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
