// The production's controls: New production, Resume, Pause/Unpause, Stop, Teleport, and the keyframe edits
// sent to a running production.
import { useState } from "react";
import { MediaPicker, MediaPreview } from "../pickers/MediaPicker";
import type { MediaRef } from "../pickers/media";

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
  const [teleport, setTeleport] = useState<MediaRef | null>(null);
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
        <span className="anim-teleport-label">Teleport</span>
        <MediaPicker label="teleport image" kinds={["image"]} onPick={(refs) => setTeleport(refs[0] ?? null)} />
        {teleport && <MediaPreview media={teleport} />}
        <button type="button" onClick={() => teleport && onTeleport(teleport.ref)} disabled={busy || !running || teleport === null}>
          Teleport now
        </button>
      </span>
    </div>
  );
}
