// The virtualized grid: rows of square thumbnails scrolled with the window. Only the rows near the viewport are in
// the DOM (so 10,000 images hold a few dozen <img>), and the next page is fetched as the end comes near.
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useLayoutEffect, useRef, useState, type MouseEvent } from "react";
import { ArtifactCard } from "./ArtifactCard";
import type { GalleryArtifact } from "./types";

const GAP = 6;
const MIN_CELL = 160; // px: the smallest thumbnail; columns are as many as fit
const MIN_CELL_NARROW = 110; // on a phone, three columns
const OVERSCAN_ROWS = 2;
const FETCH_AHEAD_ROWS = 4;

export function columnsFor(width: number): number {
  const min = width < 600 ? MIN_CELL_NARROW : MIN_CELL;
  return Math.max(2, Math.floor((width + GAP) / (min + GAP)));
}

interface Props {
  items: GalleryArtifact[];
  selectedIds: ReadonlySet<string>;
  selecting: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  /** Keep this artifact's row on screen (the one the lightbox shows, so closing it returns focus to its card). */
  revealId: string | null;
  onCardClick: (artifact: GalleryArtifact, event: MouseEvent) => void;
  onToggleSelect: (artifact: GalleryArtifact, shift: boolean) => void;
  onStar: (artifact: GalleryArtifact) => void;
}

function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function GalleryGrid(props: Props) {
  const { items, hasMore, loadingMore, loadMore } = props;
  const container = useRef<HTMLDivElement>(null);
  const width = useWidth(container);
  const columns = columnsFor(width || 1024);
  const cell = width > 0 ? (width - GAP * (columns - 1)) / columns : MIN_CELL;
  const rowCount = Math.ceil(items.length / columns) + (hasMore ? 1 : 0); // the last row: skeletons while loading

  // Where the grid starts in the page: the filters above it can open and close.
  const [offset, setOffset] = useState(0);
  useLayoutEffect(() => {
    const element = container.current;
    const parent = element?.parentElement;
    if (!element || !parent) return;
    const measure = () => setOffset(Math.round(element.getBoundingClientRect().top + window.scrollY));
    measure();
    const observer = new ResizeObserver(measure); // the parent grows when the filters open or a banner shows
    observer.observe(parent);
    return () => observer.disconnect();
  }, []);

  const virtualizer = useWindowVirtualizer({
    count: rowCount,
    estimateSize: () => cell + GAP,
    overscan: OVERSCAN_ROWS,
    scrollMargin: offset,
  });
  useEffect(() => virtualizer.measure(), [cell, virtualizer]);

  const revealIndex = props.revealId === null ? -1 : items.findIndex((artifact) => artifact.id === props.revealId);
  useEffect(() => {
    if (revealIndex !== -1) virtualizer.scrollToIndex(Math.floor(revealIndex / columns), { align: "auto" });
  }, [revealIndex, columns, virtualizer]);

  const rows = virtualizer.getVirtualItems();
  const lastRow = rows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && !loadingMore && lastRow >= rowCount - FETCH_AHEAD_ROWS) loadMore();
  }, [hasMore, loadingMore, lastRow, rowCount, loadMore]);

  return (
    <div ref={container} className="g-grid" role="list" aria-label="Images" style={{ height: virtualizer.getTotalSize() }}>
      {rows.map((row) => {
        const start = row.index * columns;
        const rowItems = items.slice(start, start + columns);
        return (
          <div
            key={row.key}
            className="g-row"
            style={{
              transform: `translateY(${row.start - offset}px)`,
              gridTemplateColumns: `repeat(${columns}, 1fr)`,
              height: cell,
              gap: GAP,
            }}
          >
            {rowItems.map((artifact) => (
              <div role="listitem" key={artifact.id}>
                <ArtifactCard
                  artifact={artifact}
                  selected={props.selectedIds.has(artifact.id)}
                  selecting={props.selecting}
                  onClick={props.onCardClick}
                  onToggleSelect={props.onToggleSelect}
                  onStar={props.onStar}
                />
              </div>
            ))}
            {rowItems.length === 0 &&
              Array.from({ length: columns }, (_, n) => <div key={n} className="g-skeleton" aria-hidden="true" />)}
          </div>
        );
      })}
    </div>
  );
}
