// The gallery: every artifact of my key, newest first, across jobs; search, boards, stars, a lightbox, compare,
// and actions on a selection. Filters live in the URL's query string; server state in TanStack Query.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState, type MouseEvent } from "react";
import { useLocation, useSearch } from "wouter";
import { changeBoard, zipArtifacts } from "../gallery/api";
import { BoardsPanel, type BoardView } from "../gallery/BoardsPanel";
import { CompareDialog } from "../gallery/CompareDialog";
import { FilterBar } from "../gallery/FilterBar";
import { filtersFromSearch, hasSearch, searchFromFilters, type GalleryFilters } from "../gallery/filters";
import { GalleryGrid } from "../gallery/GalleryGrid";
import { Lightbox } from "../gallery/Lightbox";
import { BOARDS_KEY, GALLERY_KEY, galleryKey, patchCachedArtifacts, useBoards, useGallery, useNewestId, useStar } from "../gallery/queries";
import { SelectionBar } from "../gallery/SelectionBar";
import { clickSelect, clickSelects, keepOnly, NO_SELECTION, type Selection } from "../gallery/selection";
import type { GalleryArtifact } from "../gallery/types";
import { UndoToast } from "../gallery/UndoToast";
import { usePendingDelete } from "../gallery/usePendingDelete";
import { recipeToForm, stashRecipe } from "../create/recipe";
import "../gallery/gallery.css";

const NOTICE_MS = 6_000; // how long a message that is not an error stays
const PREFETCH_IN_LIGHTBOX = 5; // fetch the next page when the lightbox is this close to the end of what is loaded

function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function typingIn(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function GalleryPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const client = useQueryClient();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const setFilters = useCallback(
    (next: GalleryFilters) => {
      const query = searchFromFilters(next);
      navigate(query ? `/gallery?${query}` : "/gallery", { replace: true });
    },
    [navigate],
  );

  const [notice, setNotice] = useState<{ text: string; error: boolean } | null>(null);
  const onError = useCallback((error: unknown) => {
    setNotice({ text: error instanceof Error ? error.message : "Something went wrong; try again", error: true });
  }, []);

  useEffect(() => {
    if (notice === null || notice.error) return;
    const timer = window.setTimeout(() => setNotice(null), NOTICE_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const gallery = useGallery(filters);
  const boards = useBoards();
  const newest = useNewestId(filters);
  const star = useStar();
  const deletion = usePendingDelete(onError);
  const { hidden } = deletion;

  const items = useMemo(
    () => (gallery.data?.pages.flatMap((page) => page.data) ?? []).filter((artifact) => !hidden.has(artifact.id)),
    [gallery.data, hidden],
  );
  const order = useMemo(() => items.map((artifact) => artifact.id), [items]);
  const present = useMemo(() => new Set(order), [order]);

  const [rawSelection, setSelection] = useState<Selection>(NO_SELECTION);
  const selection = keepOnly(rawSelection, present);
  const selectedIds = useMemo(() => new Set(selection.ids), [selection.ids]);
  const [selecting, setSelecting] = useState(false);
  const [open, setOpen] = useState<{ id: string; index: number } | null>(null);
  const openId = open?.id ?? null;
  const [comparePick, setComparePick] = useState<GalleryArtifact | null>(null);
  const [comparePair, setComparePair] = useState<[GalleryArtifact, GalleryArtifact] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = gallery;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  // The open artifact can leave the list under the lightbox (deleted, unstarred in the Starred view, taken off
  // the board shown): the lightbox then shows the one that took its place, or closes.
  let openIndex = open === null ? -1 : order.indexOf(open.id);
  if (open !== null && openIndex === -1 && gallery.isSuccess) {
    const next = items[Math.min(open.index, items.length - 1)];
    setOpen(next ? { id: next.id, index: Math.min(open.index, items.length - 1) } : null);
    openIndex = next ? Math.min(open.index, items.length - 1) : -1;
  }
  const openArtifact = openIndex === -1 ? null : items[openIndex];
  const openAt = (index: number) => {
    const artifact = items[index];
    if (artifact) setOpen({ id: artifact.id, index });
  };
  useEffect(() => {
    if (openIndex !== -1 && openIndex >= items.length - PREFETCH_IN_LIGHTBOX && hasNextPage && !isFetchingNextPage) loadMore();
  }, [openIndex, items.length, hasNextPage, isFetchingNextPage, loadMore]);

  const onStar = useCallback((artifact: GalleryArtifact) => star.mutate({ id: artifact.id, starred: !artifact.starred }), [star]);

  const onCardClick = useCallback(
    (artifact: GalleryArtifact, event: MouseEvent) => {
      const mods = { shift: event.shiftKey, toggle: event.ctrlKey || event.metaKey };
      if (comparePick !== null) {
        if (artifact.id !== comparePick.id) setComparePair([comparePick, artifact]);
        setComparePick(null);
      } else if (clickSelects(selection, selecting, mods)) {
        setSelection(clickSelect(selection, order, artifact.id, mods));
      } else {
        setOpen({ id: artifact.id, index: order.indexOf(artifact.id) });
      }
    },
    [comparePick, selection, selecting, order],
  );
  const onToggleSelect = useCallback(
    (artifact: GalleryArtifact, shift: boolean) => setSelection(clickSelect(selection, order, artifact.id, { shift, toggle: true })),
    [selection, order],
  );

  const deleteIds = useCallback(
    (ids: string[]) => {
      setNotice(null);
      deletion.remove(ids);
    },
    [deletion],
  );

  const deleteFromLightbox = (artifact: GalleryArtifact) => deleteIds([artifact.id]); // the next one takes its place

  const zip = async () => {
    setBusy("zip");
    try {
      saveBlob(await zipArtifacts(selection.ids.slice()), "kiln-artifacts.zip");
    } catch (error) {
      onError(error);
    } finally {
      setBusy(null);
    }
  };

  const addToBoard = async (boardId: string) => {
    setBusy("board");
    try {
      const ids = selection.ids.slice();
      const board = await changeBoard(boardId, { add: ids });
      patchCachedArtifacts(client, new Set(ids), (a) => (a.boards.includes(boardId) ? a : { ...a, boards: [...a.boards, boardId] }));
      void client.invalidateQueries({ queryKey: BOARDS_KEY });
      void client.invalidateQueries({ queryKey: GALLERY_KEY, predicate: (q) => String(q.queryKey[1]).includes(`board=${boardId}`) });
      setNotice({ text: `Added ${ids.length} to “${board.name}”`, error: false });
    } catch (error) {
      onError(error);
    } finally {
      setBusy(null);
    }
  };

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (openId !== null || comparePair !== null || typingIn(event.target)) return;
      if (event.key === "Escape") {
        setComparePick(null);
        setSelection(NO_SELECTION);
      } else if (event.key === "Delete" && selection.ids.length > 0) {
        deleteIds(selection.ids.slice());
        setSelection(NO_SELECTION);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [openId, comparePair, selection.ids, deleteIds]);

  const view: BoardView = { board: filters.board, starred: filters.starred };
  const first = items[0];
  const newer = newest.data != null && first !== undefined && !hidden.has(newest.data) && newest.data > first.id;
  const activeBoard = boards.data?.find((board) => board.id === filters.board);
  const title = filters.starred ? "Starred" : activeBoard ? activeBoard.name : "All images";

  return (
    <div className="gallery">
      <aside className="g-side-panel">
        <BoardsPanel view={view} onView={(next) => setFilters({ ...filters, ...next })} />
      </aside>
      <section className="g-main" aria-labelledby="gallery-title">
        <div className="g-top">
          <h1 id="gallery-title">{title}</h1>
          <span className="muted" aria-live="polite">
            {gallery.isSuccess ? `${items.length}${hasNextPage ? "+" : ""} ${items.length === 1 ? "item" : "items"}` : ""}
          </span>
          <button type="button" aria-pressed={selecting} onClick={() => setSelecting(!selecting)}>
            {selecting ? "Done selecting" : "Select"}
          </button>
        </div>
        <FilterBar filters={filters} onChange={setFilters} />
        {newer && (
          <button type="button" className="g-newer" onClick={() => void client.resetQueries({ queryKey: galleryKey(filters) })}>
            New images: show them
          </button>
        )}
        {comparePick && (
          <p className="g-banner" role="status">
            Pick an image to compare with “{comparePick.prompt || comparePick.id}”.{" "}
            <button type="button" onClick={() => setComparePick(null)}>
              Cancel compare
            </button>
          </p>
        )}
        {notice && (
          <p className={notice.error ? "g-banner field-error" : "g-banner"} role={notice.error ? "alert" : "status"}>
            {notice.text}{" "}
            <button type="button" aria-label="Dismiss message" onClick={() => setNotice(null)}>
              ✕
            </button>
          </p>
        )}
        {selection.ids.length > 0 && (
          <SelectionBar
            count={selection.ids.length}
            boards={boards.data ?? []}
            busy={busy}
            onZip={() => void zip()}
            onAddToBoard={(id) => void addToBoard(id)}
            onCompare={() => {
              const [a, b] = selection.ids.map((id) => items[order.indexOf(id)]);
              if (a && b) setComparePair([a, b]);
            }}
            onDelete={() => {
              deleteIds(selection.ids.slice());
              setSelection(NO_SELECTION);
            }}
            onClear={() => setSelection(NO_SELECTION)}
          />
        )}
        {gallery.isPending ? (
          <div className="g-loading" aria-label="Loading images" role="status">
            {Array.from({ length: 12 }, (_, n) => (
              <div key={n} className="g-skeleton" />
            ))}
          </div>
        ) : gallery.isError ? (
          <p className="field-error" role="alert">
            {gallery.error.message}{" "}
            <button type="button" onClick={() => void gallery.refetch()}>
              Try again
            </button>
          </p>
        ) : items.length === 0 ? (
          <p className="g-empty">
            {hasSearch(filters) ? "Nothing matches this search." : filters.starred ? "No starred images yet." : filters.board ? "This board is empty." : "No images yet: make some on Create."}
          </p>
        ) : (
          <GalleryGrid
            items={items}
            selectedIds={selectedIds}
            selecting={selecting}
            hasMore={hasNextPage}
            loadingMore={isFetchingNextPage}
            loadMore={loadMore}
            revealId={openId}
            onCardClick={onCardClick}
            onToggleSelect={onToggleSelect}
            onStar={onStar}
          />
        )}
      </section>
      {openArtifact && (
        <Lightbox
          artifact={openArtifact}
          position={openIndex}
          total={items.length}
          hasMore={hasNextPage}
          onMove={(step) => openAt(openIndex + step)}
          onClose={() => setOpen(null)}
          onStar={onStar}
          onDelete={deleteFromLightbox}
          onUseSettings={(artifact) => {
            stashRecipe(recipeToForm(artifact)); // the Create page picks it up when it mounts
            navigate("/");
          }}
          onCompare={(artifact) => {
            setOpen(null);
            setComparePick(artifact);
          }}
        />
      )}
      {comparePair && <CompareDialog pair={comparePair} onClose={() => setComparePair(null)} />}
      {deletion.pending && <UndoToast count={deletion.pending.ids.length} onUndo={deletion.undo} />}
    </div>
  );
}
