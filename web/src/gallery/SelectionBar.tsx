// What to do with the selected artifacts: download a ZIP, add to a board, compare two, delete.
import { useState } from "react";
import type { Board } from "./types";

interface Props {
  count: number;
  boards: Board[];
  busy: string | null;
  onZip: () => void;
  onAddToBoard: (boardId: string) => void;
  onCompare: () => void;
  onDelete: () => void;
  onClear: () => void;
}

export function SelectionBar(props: Props) {
  const [board, setBoard] = useState("");
  const chosen = props.boards.some((one) => one.id === board) ? board : "";
  return (
    <div className="g-selection" role="toolbar" aria-label="Selected images">
      <strong aria-live="polite">{props.count} selected</strong>
      <button type="button" onClick={props.onZip} disabled={props.busy !== null}>
        {props.busy === "zip" ? "Zipping…" : "Download ZIP"}
      </button>
      <span className="g-add-board">
        <select aria-label="Board to add the selection to" value={chosen} onChange={(event) => setBoard(event.target.value)}>
          <option value="">Board…</option>
          {props.boards.map((one) => (
            <option key={one.id} value={one.id}>
              {one.name}
            </option>
          ))}
        </select>
        <button type="button" disabled={chosen === "" || props.busy !== null} onClick={() => props.onAddToBoard(chosen)}>
          Add to board
        </button>
      </span>
      {props.count === 2 && (
        <button type="button" onClick={props.onCompare}>
          Compare
        </button>
      )}
      <button type="button" className="danger" onClick={props.onDelete}>
        Delete
      </button>
      <button type="button" onClick={props.onClear}>
        Clear selection
      </button>
    </div>
  );
}
