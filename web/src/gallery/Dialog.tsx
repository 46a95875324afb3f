// A modal dialog on the native <dialog>: showModal() makes the rest of the page inert (focus stays inside), Esc
// closes it, and focus goes back to where it was when it closes.
import { useEffect, useRef, type ReactNode, type KeyboardEvent } from "react";

interface Props {
  label: string;
  className?: string;
  onClose: () => void;
  onKeyDown?: (event: KeyboardEvent<HTMLDialogElement>) => void;
  children: ReactNode;
}

export function Dialog({ label, className, onClose, onKeyDown, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (typeof dialog.showModal === "function" && !dialog.open) dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault(); // the page decides: it unmounts the dialog
      closeRef.current();
    };
    dialog.addEventListener("cancel", onCancel);
    return () => {
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog ref={ref} className={`g-dialog ${className ?? ""}`} aria-label={label} onKeyDown={onKeyDown}>
      {children}
    </dialog>
  );
}
