// The storyboard being edited, kept in this browser's localStorage so a reload or a visit to another page does not
// lose it (the page owns the draft until it is rendered; the job keeps the storyboard it rendered). One draft per
// signed-in key: another key's draft would name uploads (the music) that this key cannot use.
import { useEffect, useState } from "react";
import { useSession } from "../session/session";
import { fromManifest, toManifest, type EditorStoryboard } from "./model";

const PREFIX = "kiln.storyboard.draft";
const SAVE_MS = 300;

function load(key: string, initial: () => EditorStoryboard): EditorStoryboard {
  try {
    const saved = globalThis.localStorage?.getItem(key);
    if (saved) {
      const { manifest, musicName } = JSON.parse(saved) as { manifest: unknown; musicName?: string };
      return { ...fromManifest(manifest), musicName: musicName ?? "" };
    }
  } catch {
    // a draft from an older page, or storage refused: start afresh
  }
  return initial();
}

export function useDraft(initial: () => EditorStoryboard): [EditorStoryboard, (board: EditorStoryboard) => void] {
  const key = `${PREFIX}:${useSession().data?.key_name ?? ""}`;
  const [board, setBoard] = useState(() => load(key, initial));
  useEffect(() => {
    const timer = setTimeout(() => {
      try {
        globalThis.localStorage?.setItem(
          key,
          JSON.stringify({ manifest: toManifest(board), musicName: board.musicName }),
        );
      } catch {
        // storage full or refused: the draft lives only in the page
      }
    }, SAVE_MS);
    return () => clearTimeout(timer);
  }, [board, key]);
  return [board, setBoard];
}
