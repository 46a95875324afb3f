// The production's controls: New production, Resume, Pause/Unpause, Stop, Teleport, and the keyframe edits
// sent to a running production.
import { useState } from "react";
import { ApiError } from "../api/client";
import { uploadFile } from "./api";

interface Props {
  running: boolean;
  paused: boolean;
  busy: boolean;
  edits: number; // fields the page changed since the production's request
  onNew: () => void;
  onResume: () => void;
  onPause: () => void;
  onStop: () => void;
  onTeleport: (image: string) => void;
  onEdit: () => void;
}

export function Controls({ running, paused, busy, edits, onNew, onResume, onPause, onStop, onTeleport, onEdit }: Props) {
  const [teleport, setTeleport] = useState<{ ref: string; name: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const choose = async (file: File) => {
    setUploading(true);
    setProblem(null);
    try {
      const uploaded = await uploadFile(file, file.name);
      setTeleport({ ref: uploaded.ref, name: file.name });
    } catch (err) {
      setProblem(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setUploading(false);
    }
  };
  return (
    <div className="anim-controls" role="group" aria-label="Production controls">
      <button type="button" className="primary" onClick={onNew} disabled={busy || running}>
        New production
      </button>
      <button type="button" onClick={onResume} disabled={busy || (running && !paused)}>
        Resume
      </button>
      <button type="button" onClick={onPause} disabled={busy || !running} aria-pressed={paused}>
        {paused ? "Unpause" : "Pause"}
      </button>
      <button type="button" onClick={onStop} disabled={busy || !running}>
        Stop
      </button>
      <button type="button" onClick={onEdit} disabled={busy || !running || edits === 0}>
        Apply edits{edits > 0 ? ` (${edits})` : ""}
      </button>
      <span className="anim-teleport">
        <label>
          Teleport image{" "}
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            disabled={uploading}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void choose(file);
            }}
          />
        </label>
        <button type="button" onClick={() => teleport && onTeleport(teleport.ref)} disabled={busy || !running || teleport === null}>
          Teleport now
        </button>
      </span>
      {problem && (
        <span className="field-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
