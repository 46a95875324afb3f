// A lightbox over a list: one item large with its details beside it, arrows (and ← → keys) to move through the
// list, Esc to close. Generic: the caller renders the media and the details.
import type { ReactNode } from "react";
import { Dialog } from "./Dialog";

interface LightboxProps<T> {
  items: readonly T[];
  index: number;
  onIndex: (index: number) => void;
  onClose: () => void;
  title: (item: T) => string;
  media: (item: T) => ReactNode;
  details: (item: T) => ReactNode;
}

export function Lightbox<T>({ items, index, onIndex, onClose, title, media, details }: LightboxProps<T>) {
  const item = items[index];
  if (item === undefined) return null;
  const move = (by: number) => {
    const next = index + by;
    if (next >= 0 && next < items.length) onIndex(next);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const target = event.target instanceof Element ? event.target : null;
    if (target?.closest("input, textarea, select")) return;
    if (event.key === "ArrowLeft") move(-1);
    else if (event.key === "ArrowRight") move(1);
  };
  return (
    <Dialog title={title(item)} onClose={onClose} className="lightbox" onKeyDown={onKeyDown}>
      <div className="lightbox-body">
        <div className="lightbox-media">
          {media(item)}
          <div className="lightbox-nav">
            <button type="button" aria-label="Previous" disabled={index === 0} onClick={() => move(-1)}>
              ←
            </button>
            <span className="muted">
              {index + 1} / {items.length}
            </span>
            <button type="button" aria-label="Next" disabled={index === items.length - 1} onClick={() => move(1)}>
              →
            </button>
          </div>
        </div>
        <aside className="lightbox-details">{details(item)}</aside>
      </div>
    </Dialog>
  );
}
