// The queue pages' two page-side stores: notices, and deletes waiting out their undo. Everything else the pages
// show is server state in TanStack Query's cache.
import { DelayedActions } from "./delayed";
import { ToastStore } from "./toasts";

/** How long a deleted job stays hidden, undoable, before the DELETE is sent. */
export const DELETE_UNDO_MS = 5000;

export const queueToasts = new ToastStore();
export const pendingDeletes = new DelayedActions(DELETE_UNDO_MS);

if (typeof window !== "undefined") {
  // leaving the studio: the deletes the user asked for go now (their requests are sent with keepalive)
  window.addEventListener("pagehide", () => pendingDeletes.flush());
}
