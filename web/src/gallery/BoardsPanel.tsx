// The side list: all images, starred, and my boards with their counts; create, rename and delete a board.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { createBoard, deleteBoard, renameBoard } from "./api";
import { BOARDS_KEY, GALLERY_KEY, useBoards } from "./queries";

export interface BoardView {
  board: string;
  starred: boolean;
}

interface Props {
  view: BoardView;
  onView: (view: BoardView) => void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : "Something went wrong; try again");

function NameForm(props: { label: string; submit: string; initial?: string; onSubmit: (name: string) => Promise<unknown>; onCancel?: () => void }) {
  const [name, setName] = useState(props.initial ?? "");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() === "") return setError("Give the board a name");
    setBusy(true);
    try {
      await props.onSubmit(name.trim());
      setName("");
      setError(null);
    } catch (caught) {
      setError(caught instanceof ApiError || caught instanceof Error ? caught.message : message(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="g-board-form" onSubmit={(event) => void submit(event)}>
      <input
        aria-label={props.label}
        placeholder={props.label}
        value={name}
        maxLength={100}
        onChange={(event) => setName(event.target.value)}
        aria-invalid={error !== null}
        onKeyDown={(event) => event.key === "Escape" && props.onCancel?.()}
      />
      <button type="submit" disabled={busy}>
        {props.submit}
      </button>
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

export function BoardsPanel({ view, onView }: Props) {
  const client = useQueryClient();
  const boards = useBoards();
  const [renaming, setRenaming] = useState<string | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: BOARDS_KEY });
  const remove = useMutation({
    mutationFn: deleteBoard,
    onSuccess: (_data, id) => {
      if (view.board === id) onView({ board: "", starred: false });
      // The board's own list is gone (refetching it would be a 404); the others' artifacts lose the board's id.
      const ofBoard = (key: readonly unknown[]) => String(key[1]).includes(`board=${id}`);
      client.removeQueries({ queryKey: GALLERY_KEY, predicate: (query) => ofBoard(query.queryKey) });
      void client.invalidateQueries({ queryKey: GALLERY_KEY, predicate: (query) => !ofBoard(query.queryKey) });
    },
    onSettled: refresh,
  });
  const all = !view.starred && view.board === "";

  return (
    <nav className="g-boards" aria-label="Boards">
      <ul>
        <li>
          <button type="button" className="g-board" aria-current={all ? "page" : undefined} onClick={() => onView({ board: "", starred: false })}>
            All images
          </button>
        </li>
        <li>
          <button type="button" className="g-board" aria-current={view.starred ? "page" : undefined} onClick={() => onView({ board: "", starred: true })}>
            ★ Starred
          </button>
        </li>
        {boards.isPending && <li className="g-skeleton-line" aria-hidden="true" />}
        {boards.data?.map((board) =>
          renaming === board.id ? (
            <li key={board.id}>
              <NameForm
                label={`New name for ${board.name}`}
                submit="Rename"
                initial={board.name}
                onCancel={() => setRenaming(null)}
                onSubmit={async (name) => {
                  await renameBoard(board.id, name);
                  setRenaming(null);
                  await refresh();
                }}
              />
            </li>
          ) : (
            <li key={board.id} className="g-board-row">
              <button
                type="button"
                className="g-board"
                aria-label={`${board.name} (${board.count})`}
                aria-current={view.board === board.id ? "page" : undefined}
                onClick={() => onView({ board: board.id, starred: false })}
              >
                <span className="g-board-name">{board.name}</span>
                <span className="muted">{board.count}</span>
              </button>
              <button type="button" className="g-icon" aria-label={`Rename board ${board.name}`} onClick={() => setRenaming(board.id)}>
                ✎
              </button>
              <button
                type="button"
                className="g-icon"
                aria-label={`Delete board ${board.name}`}
                onClick={() => {
                  if (window.confirm(`Delete the board "${board.name}"? Its images stay in the gallery.`)) remove.mutate(board.id);
                }}
              >
                ✕
              </button>
            </li>
          ),
        )}
      </ul>
      {boards.isError && <p className="field-error">{message(boards.error)}</p>}
      {remove.isError && <p className="field-error">{message(remove.error)}</p>}
      <NameForm
        label="New board name"
        submit="Create board"
        onSubmit={async (name) => {
          await createBoard(name);
          await refresh();
        }}
      />
    </nav>
  );
}
