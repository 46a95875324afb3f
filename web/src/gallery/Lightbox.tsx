// The lightbox: one artifact full size with its recipe and actions. Arrows move through the list, Delete deletes
// (with undo), Esc closes.
import { useState, type KeyboardEvent } from "react";
import { Link } from "wouter";
import { describe, isVideo } from "./ArtifactCard";
import { Dialog } from "./Dialog";
import type { GalleryArtifact } from "./types";

interface Props {
  artifact: GalleryArtifact;
  position: number;
  total: number;
  hasMore: boolean;
  onMove: (step: -1 | 1) => void;
  onClose: () => void;
  onStar: (artifact: GalleryArtifact) => void;
  onDelete: (artifact: GalleryArtifact) => void;
  onUseSettings: (artifact: GalleryArtifact) => void;
  onCompare: (artifact: GalleryArtifact) => void;
}

function typing(target: EventTarget): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function downloadName(artifact: GalleryArtifact): string {
  const extension = artifact.content_type.split("/")[1]?.split(";")[0] ?? "bin";
  return `kiln-${artifact.id}.${extension === "jpeg" ? "jpg" : extension}`;
}

function Recipe({ artifact }: { artifact: GalleryArtifact }) {
  const rows: [string, string | number | null][] = [
    ["Model", artifact.model],
    ["Style", artifact.style],
    ["Seed", artifact.seed],
    ["Size", `${artifact.width} × ${artifact.height}`],
    ["Steps", artifact.steps],
    ["Guidance", artifact.guidance],
    ["Sampler", artifact.sampler],
    ["Made", new Date(artifact.created_at).toLocaleString()],
  ];
  return (
    <dl className="g-recipe">
      {rows
        .filter(([, value]) => value !== null && value !== "")
        .map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}

export function Lightbox(props: Props) {
  const { artifact, position, total, hasMore, onMove } = props;
  const [copied, setCopied] = useState<string | null>(null);
  const atStart = position === 0;
  const atEnd = position >= total - 1 && !hasMore;

  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowLeft" && !atStart) onMove(-1);
    else if (event.key === "ArrowRight" && !atEnd) onMove(1);
    else if (event.key === "Delete") props.onDelete(artifact);
    else return;
    event.preventDefault();
  };

  const copy = async (text: string, what: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`${what} copied`);
    } catch {
      setCopied(`Could not copy the ${what.toLowerCase()}: the browser refused`);
    }
  };

  const label = describe(artifact);
  return (
    <Dialog label={`Image ${position + 1} of ${total}${hasMore ? "+" : ""}`} className="g-lightbox" onClose={props.onClose} onKeyDown={onKeyDown}>
      <div className="g-lb-media">
        {isVideo(artifact) ? (
          <video key={artifact.id} src={`/v1/artifacts/${encodeURIComponent(artifact.id)}`} controls playsInline autoPlay muted loop aria-label={label} />
        ) : (
          <img key={artifact.id} src={`/v1/artifacts/${encodeURIComponent(artifact.id)}`} alt={label} width={artifact.width} height={artifact.height} />
        )}
        <button type="button" className="g-lb-prev" aria-label="Previous image" disabled={atStart} onClick={() => onMove(-1)}>
          ‹
        </button>
        <button type="button" className="g-lb-next" aria-label="Next image" disabled={atEnd} onClick={() => onMove(1)}>
          ›
        </button>
      </div>
      <aside className="g-lb-side">
        <div className="g-lb-head">
          <span className="muted">
            {position + 1} of {total}
            {hasMore ? "+" : ""}
          </span>
          <button type="button" aria-label="Close" onClick={props.onClose} autoFocus>
            ✕
          </button>
        </div>
        <p className="g-lb-prompt">{artifact.prompt || <span className="muted">No prompt</span>}</p>
        {artifact.negative_prompt ? <p className="g-lb-negative">Negative: {artifact.negative_prompt}</p> : null}
        <Recipe artifact={artifact} />
        <div className="g-lb-actions">
          <button
            type="button"
            className={`g-star-btn${artifact.starred ? " on" : ""}`}
            aria-pressed={artifact.starred}
            onClick={() => props.onStar(artifact)}
          >
            {artifact.starred ? "★ Starred" : "☆ Star"}
          </button>
          <button type="button" className="primary" onClick={() => props.onUseSettings(artifact)}>
            Use these settings
          </button>
          <button type="button" onClick={() => void copy(artifact.prompt ?? "", "Prompt")} disabled={!artifact.prompt}>
            Copy prompt
          </button>
          <a className="button-link" href={`/v1/artifacts/${encodeURIComponent(artifact.id)}`} download={downloadName(artifact)}>
            Download
          </a>
          <button type="button" onClick={() => props.onCompare(artifact)}>
            Compare…
          </button>
          <button type="button" className="danger" onClick={() => props.onDelete(artifact)}>
            Delete
          </button>
        </div>
        <p role="status" className="muted g-lb-copied">
          {copied}
        </p>
        {artifact.infotext ? (
          <details className="g-lb-infotext" open>
            <summary>Infotext</summary>
            <pre>{artifact.infotext}</pre>
            <button type="button" onClick={() => void copy(artifact.infotext ?? "", "Infotext")}>
              Copy infotext
            </button>
          </details>
        ) : null}
        <Link className="muted" href={`/queue/${encodeURIComponent(artifact.job_id)}`}>
          Job {artifact.job_id}
        </Link>
      </aside>
    </Dialog>
  );
}
