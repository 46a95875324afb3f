// One thumbnail in the grid: opens the lightbox (or selects), with a star toggle and a select box.
import { memo, useState, type MouseEvent } from "react";
import { thumbnailUrl } from "./api";
import type { GalleryArtifact } from "./types";

export function describe(artifact: GalleryArtifact): string {
  const prompt = artifact.prompt?.trim();
  return prompt ? prompt : `${artifact.content_type.startsWith("video/") ? "Video" : "Image"} ${artifact.id}`;
}

export const isVideo = (artifact: GalleryArtifact) => artifact.content_type.startsWith("video/");

interface Props {
  artifact: GalleryArtifact;
  selected: boolean;
  selecting: boolean;
  onClick: (artifact: GalleryArtifact, event: MouseEvent) => void;
  onToggleSelect: (artifact: GalleryArtifact, shift: boolean) => void;
  onStar: (artifact: GalleryArtifact) => void;
}

export const ArtifactCard = memo(function ArtifactCard({ artifact, selected, selecting, onClick, onToggleSelect, onStar }: Props) {
  const [loaded, setLoaded] = useState(false);
  const label = describe(artifact);
  return (
    <div className={`g-card${selected ? " selected" : ""}${selecting ? " selecting" : ""}`} data-artifact-id={artifact.id}>
      <button
        type="button"
        className="g-thumb"
        aria-label={`${selecting ? "Select" : "Open"}: ${label}`}
        aria-pressed={selecting ? selected : undefined}
        onClick={(event) => onClick(artifact, event)}
      >
        <img
          src={thumbnailUrl(artifact.id)}
          alt=""
          loading="lazy"
          decoding="async"
          draggable={false}
          className={loaded ? "loaded" : undefined}
          onLoad={() => setLoaded(true)}
        />
        {isVideo(artifact) && (
          <span className="g-badge" aria-hidden="true">
            ▶
          </span>
        )}
      </button>
      <input
        type="checkbox"
        className="g-check"
        aria-label={`Select ${label}`}
        checked={selected}
        onChange={(event) => onToggleSelect(artifact, (event.nativeEvent as unknown as { shiftKey?: boolean }).shiftKey === true)}
      />
      <button
        type="button"
        className={`g-star${artifact.starred ? " on" : ""}`}
        aria-label={`Star ${label}`}
        aria-pressed={artifact.starred}
        onClick={() => onStar(artifact)}
      >
        {artifact.starred ? "★" : "☆"}
      </button>
    </div>
  );
});
