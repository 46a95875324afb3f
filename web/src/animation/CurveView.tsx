// One column's curve over the frames, as kiln will interpolate it, with a point per keyframe that can be dragged
// (pointer events: frame along x, value along y). The keyboard edits the same values in the table.
import { useRef, useState } from "react";
import { COLUMN_LABELS, COLUMNS, columnPoints, type Column, type KeyframeTable } from "./production";
import { valueAt } from "./schedules";

const WIDTH = 600;
const HEIGHT = 140;
const PAD = 12;

interface Props {
  table: KeyframeTable;
  column: Column;
  onColumn: (column: Column) => void;
  frames: number;
  onMove: (rowId: number, frame: number, value: number) => void;
}

interface Drag {
  rowId: number;
  min: number;
  max: number;
}

export function CurveView({ table, column, onColumn, frames, onMove }: Props) {
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const points = columnPoints(table, column);
  const interpolation = table.interpolation[column];
  const values = points.map((p) => p.value);
  // the value range is frozen while dragging, so the point under the pointer does not run away
  let min = drag?.min ?? Math.min(...values, Infinity);
  let max = drag?.max ?? Math.max(...values, -Infinity);
  if (!Number.isFinite(min)) [min, max] = [0, 1];
  if (drag === null) {
    const margin = max - min === 0 ? Math.max(Math.abs(max) * 0.1, 0.1) : (max - min) * 0.15;
    min -= margin;
    max += margin;
  }
  const last = Math.max(1, frames - 1);
  const x = (frame: number) => PAD + (frame / last) * (WIDTH - 2 * PAD);
  const y = (value: number) => HEIGHT - PAD - ((value - min) / (max - min)) * (HEIGHT - 2 * PAD);
  const path =
    points.length === 0
      ? ""
      : Array.from({ length: frames }, (_, f) => `${f === 0 ? "M" : "L"}${x(f).toFixed(1)},${y(valueAt(points, interpolation, f)).toFixed(1)}`).join(" ");
  const marks = table.rows.flatMap((row) => {
    const value = row.values[column];
    return value === undefined ? [] : [{ row, value }];
  });

  const toData = (event: React.PointerEvent) => {
    const box = svg.current?.getBoundingClientRect() ?? new DOMRect(0, 0, WIDTH, HEIGHT);
    const sx = ((event.clientX - box.left) / box.width) * WIDTH;
    const sy = ((event.clientY - box.top) / box.height) * HEIGHT;
    const frame = Math.round(((sx - PAD) / (WIDTH - 2 * PAD)) * last);
    const value = min + ((HEIGHT - PAD - sy) / (HEIGHT - 2 * PAD)) * (max - min);
    return { frame: Math.max(0, Math.min(last, frame)), value: Math.round(value * 1000) / 1000 };
  };

  return (
    <div className="anim-curve">
      <label>
        Curve of{" "}
        <select aria-label="Curve of" value={column} onChange={(e) => onColumn(e.target.value as Column)}>
          {COLUMNS.map((c) => (
            <option key={c} value={c}>
              {COLUMN_LABELS[c]}
            </option>
          ))}
        </select>
      </label>
      <svg
        ref={svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${COLUMN_LABELS[column]} over ${frames} frames, ${interpolation}`}
        className="anim-curve-svg"
        onPointerMove={(event) => {
          if (drag === null) return;
          const { frame, value } = toData(event);
          onMove(drag.rowId, frame, value);
        }}
        onPointerUp={() => setDrag(null)}
        onPointerCancel={() => setDrag(null)}
      >
        <line x1={PAD} x2={WIDTH - PAD} y1={HEIGHT - PAD} y2={HEIGHT - PAD} className="anim-axis" />
        {path && <path d={path} className="anim-line" />}
        {marks.map(({ row, value }) => (
          <circle
            key={row.id}
            data-frame={row.frame}
            cx={x(row.frame)}
            cy={y(value)}
            r={7}
            className={drag?.rowId === row.id ? "anim-point dragging" : "anim-point"}
            onPointerDown={(event) => {
              event.currentTarget.ownerSVGElement?.setPointerCapture(event.pointerId);
              setDrag({ rowId: row.id, min, max });
            }}
          >
            <title>{`frame ${row.frame}: ${value}`}</title>
          </circle>
        ))}
        {points.length === 0 && (
          <text x={WIDTH / 2} y={HEIGHT / 2} textAnchor="middle" className="anim-hint">
            No {COLUMN_LABELS[column]} keyframes
          </text>
        )}
      </svg>
    </div>
  );
}
