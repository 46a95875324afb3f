// The quiet undo after a delete: a toast that says what went and offers Undo until the delete is sent.
interface Props {
  count: number;
  onUndo: () => void;
}

export function UndoToast({ count, onUndo }: Props) {
  return (
    <div className="g-toast" role="status">
      <span>
        Deleted {count} {count === 1 ? "image" : "images"}
      </span>
      <button type="button" onClick={onUndo}>
        Undo
      </button>
    </div>
  );
}
