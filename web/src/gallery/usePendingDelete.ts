// Delete with a quiet undo: the artifacts leave the page at once, and the real DELETE is sent a few seconds later
// unless Undo is pressed. Leaving the page (or a second delete) sends a pending one at once.
import { useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { deleteArtifacts } from "./api";
import { BOARDS_KEY, GALLERY_KEY } from "./queries";
import type { GalleryPageData } from "./types";

export const UNDO_MS = 5_000;

export interface PendingDelete {
  ids: string[];
}

export function usePendingDelete(onError: (error: unknown) => void) {
  const client = useQueryClient();
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const pendingRef = useRef<PendingDelete | null>(null);
  const timer = useRef<number | undefined>(undefined);

  const unhide = useCallback((ids: string[]) => {
    setHidden((now) => new Set([...now].filter((id) => !ids.includes(id))));
  }, []);

  const send = useCallback(
    async (ids: string[]) => {
      try {
        await deleteArtifacts(ids);
        const gone = new Set(ids);
        client.setQueriesData<InfiniteData<GalleryPageData, string | null>>({ queryKey: GALLERY_KEY }, (data) =>
          data === undefined
            ? data
            : { ...data, pages: data.pages.map((page) => ({ ...page, data: page.data.filter((a) => !gone.has(a.id)) })) },
        );
      } catch (error) {
        onError(error);
      } finally {
        unhide(ids);
        void client.invalidateQueries({ queryKey: BOARDS_KEY });
      }
    },
    [client, onError, unhide],
  );

  const flush = useCallback(() => {
    window.clearTimeout(timer.current);
    const now = pendingRef.current;
    pendingRef.current = null;
    setPending(null);
    if (now !== null) void send(now.ids);
  }, [send]);

  const remove = useCallback(
    (ids: string[]) => {
      if (ids.length === 0) return;
      flush();
      const next = { ids };
      pendingRef.current = next;
      setPending(next);
      setHidden((now) => new Set([...now, ...ids]));
      timer.current = window.setTimeout(flush, UNDO_MS);
    },
    [flush],
  );

  const undo = useCallback(() => {
    window.clearTimeout(timer.current);
    const now = pendingRef.current;
    pendingRef.current = null;
    setPending(null);
    if (now !== null) unhide(now.ids);
  }, [unhide]);

  // The unmount flush must see the latest `flush` without re-running (a re-run would send a pending delete early).
  const flushRef = useRef(flush);
  useEffect(() => {
    flushRef.current = flush;
  }, [flush]);

  useEffect(() => {
    // Closing the tab within the undo time still deletes: keepalive lets the request outlive the page.
    const onUnload = () => {
      const now = pendingRef.current;
      if (now === null) return;
      deleteArtifacts(now.ids, true).catch(() => undefined); // the page is going: nowhere to tell of a failure
      pendingRef.current = null;
    };
    window.addEventListener("pagehide", onUnload);
    return () => {
      window.removeEventListener("pagehide", onUnload);
      flushRef.current();
    };
  }, []);

  return { hidden, pending, remove, undo };
}
