// Two images compared: side by side, or one over the other with a divider to drag (or move with the arrow keys).
import { useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { describe } from "./ArtifactCard";
import { clipLeftOf, percentAfterKey, percentAt } from "./compare";
import { Dialog } from "./Dialog";
import type { GalleryArtifact } from "./types";

type Mode = "side" | "slider";

const full = (artifact: GalleryArtifact) => `/v1/artifacts/${encodeURIComponent(artifact.id)}`;

function Slider({ left, right }: { left: GalleryArtifact; right: GalleryArtifact }) {
  const [percent, setPercent] = useState(50);
  const box = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const moveTo = (event: PointerEvent) => {
    const rect = box.current?.getBoundingClientRect();
    if (rect) setPercent(percentAt(event.clientX, rect.left, rect.width));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const next = percentAfterKey(percent, event.key, event.shiftKey);
    if (next === null) return;
    event.preventDefault();
    setPercent(next);
  };

  return (
    <div
      ref={box}
      className="g-slider"
      style={{ aspectRatio: `${right.width} / ${right.height}` }}
      onPointerDown={(event) => {
        dragging.current = true;
        event.currentTarget.setPointerCapture(event.pointerId);
        moveTo(event);
      }}
      onPointerMove={(event) => dragging.current && moveTo(event)}
      onPointerUp={() => (dragging.current = false)}
      onPointerCancel={() => (dragging.current = false)}
    >
      <img src={full(right)} alt={`Right: ${describe(right)}`} draggable={false} />
      <img src={full(left)} alt={`Left: ${describe(left)}`} draggable={false} style={{ clipPath: clipLeftOf(percent) }} />
      <div
        className="g-divider"
        role="slider"
        tabIndex={0}
        aria-label="Divider position"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(percent)}
        aria-valuetext={`${Math.round(percent)}% of the left image shown`}
        style={{ left: `${percent}%` }}
        onKeyDown={onKeyDown}
      />
    </div>
  );
}

export function CompareDialog({ pair, onClose }: { pair: [GalleryArtifact, GalleryArtifact]; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>("side");
  const [left, right] = pair;
  return (
    <Dialog label="Compare two images" className="g-compare" onClose={onClose}>
      <div className="g-compare-head">
        <div role="group" aria-label="Compare view" className="g-segmented">
          <button type="button" aria-pressed={mode === "side"} onClick={() => setMode("side")}>
            Side by side
          </button>
          <button type="button" aria-pressed={mode === "slider"} onClick={() => setMode("slider")}>
            Slider
          </button>
        </div>
        <button type="button" aria-label="Close" onClick={onClose} autoFocus>
          ✕
        </button>
      </div>
      {mode === "side" ? (
        <div className="g-side">
          {pair.map((artifact, n) => (
            <figure key={artifact.id}>
              <img src={full(artifact)} alt={`${n === 0 ? "Left" : "Right"}: ${describe(artifact)}`} />
              <figcaption>
                {artifact.model ?? ""} · seed {artifact.seed ?? "?"} · {artifact.width}×{artifact.height}
                <br />
                <span className="muted">{artifact.prompt}</span>
              </figcaption>
            </figure>
          ))}
        </div>
      ) : (
        <Slider left={left} right={right} />
      )}
    </Dialog>
  );
}
