import { artifactUrl } from "./api";
import { isImageItem } from "./JobSettings";
import { StateBadge } from "./StateBadge";
import { thumbnailUrl } from "./thumbnails";
import type { ArtifactView, ItemView } from "./types";

const THUMB = 160;

/** An item of a job: its result (a thumbnail linking to the full file) or its state, its prompt, seed and error. */
export function ItemCard({ item, artifact }: { item: ItemView; artifact: ArtifactView | undefined }) {
  const planned = item.item;
  const prompt = isImageItem(planned) ? planned.user_prompt || planned.prompt : planned.kind;
  const [width, height] = artifact ? fit(artifact.width, artifact.height) : [THUMB, THUMB];
  return (
    <li className="item-card" data-state={item.state} data-index={item.index}>
      <div className="item-media">
        {artifact && artifact.content_type.startsWith("image/") ? (
          <a href={artifactUrl(artifact.id)} target="_blank" rel="noreferrer" aria-label={`Open image of item ${item.index}`}>
            <img
              src={thumbnailUrl(artifact.id, 256)}
              width={width}
              height={height}
              loading="lazy"
              decoding="async"
              alt={`Item ${item.index}: ${prompt}`}
            />
          </a>
        ) : artifact ? (
          <a href={artifactUrl(artifact.id)} target="_blank" rel="noreferrer">
            Open file of item {item.index}
          </a>
        ) : (
          <span className="item-placeholder" aria-hidden="true" />
        )}
      </div>
      <div className="item-text">
        <div className="item-head">
          <span className="item-index">#{item.index}</span>
          <StateBadge state={item.state} />
          {isImageItem(planned) && <span className="muted">seed {planned.seed}</span>}
        </div>
        <p className="item-prompt" title={prompt}>
          {prompt}
        </p>
        {item.error !== null && (
          <p className="field-error item-error">
            <span className="visually-hidden">Error: </span>
            {item.error}
          </p>
        )}
      </div>
    </li>
  );
}

/** The thumbnail's box: the image's aspect ratio within THUMB × THUMB. */
function fit(width: number, height: number): [number, number] {
  if (width <= 0 || height <= 0) return [THUMB, THUMB];
  const scale = THUMB / Math.max(width, height);
  return [Math.round(width * scale), Math.round(height * scale)];
}
