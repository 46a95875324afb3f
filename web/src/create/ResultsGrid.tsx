// The results: images still being made (their live previews, or a placeholder of their size), then my newest
// images, newest first. Each finished image opens the lightbox.
import type { GalleryArtifact } from "./types";

export interface PendingTile {
  key: string;
  width: number;
  height: number;
  preview?: string;
  progress?: string; // "step 3/8"
  failed?: string;
}

interface ResultsGridProps {
  pending: PendingTile[];
  artifacts: GalleryArtifact[];
  loading: boolean;
  onOpen: (index: number) => void;
}

export function thumbnailSrc(artifact: GalleryArtifact, size = 256): string {
  return `${artifact.thumbnail_url}?size=${size}`;
}

export function ResultsGrid({ pending, artifacts, loading, onOpen }: ResultsGridProps) {
  if (!loading && pending.length === 0 && artifacts.length === 0) {
    return (
      <div className="results-empty">
        <p>Your images appear here as they finish.</p>
        <p className="muted">Write a prompt below and press Generate (Ctrl+Enter).</p>
      </div>
    );
  }
  return (
    <ul className="results-grid" aria-label="Results">
      {pending.map((tile) => (
        <li key={tile.key} className="tile pending" style={{ aspectRatio: `${tile.width} / ${tile.height}` }}>
          {tile.preview ? (
            <img src={tile.preview} alt="Preview while it denoises" className="preview" />
          ) : (
            <div className="skeleton" aria-hidden="true" />
          )}
          <span className={tile.failed ? "tile-status failed" : "tile-status"}>
            {tile.failed ? `Failed: ${tile.failed}` : (tile.progress ?? "Queued")}
          </span>
        </li>
      ))}
      {loading && artifacts.length === 0
        ? Array.from({ length: 4 }, (_, i) => (
            <li key={`skeleton-${i}`} className="tile">
              <div className="skeleton" aria-hidden="true" />
            </li>
          ))
        : artifacts.map((artifact, index) => (
            <li key={artifact.id} className="tile" style={{ aspectRatio: `${artifact.width} / ${artifact.height}` }}>
              <button
                type="button"
                className="tile-button"
                aria-label={`Open image ${index + 1}: ${artifact.prompt ?? "image"}`}
                onClick={() => onOpen(index)}
              >
                <img
                  src={thumbnailSrc(artifact)}
                  alt={artifact.prompt ?? ""}
                  width={artifact.width}
                  height={artifact.height}
                  loading="lazy"
                  decoding="async"
                  data-artifact-id={artifact.id}
                />
              </button>
            </li>
          ))}
    </ul>
  );
}
