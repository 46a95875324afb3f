// Choosing input files for a job: my gallery's artifacts of a kind, or an upload.
//
//   <MediaPicker label="still" kinds={["image"]} onPick={(refs) => …} />
//   <MediaPicker label="shots" kinds={["image", "video"]} multiple onPick={…} />
//   <MediaPicker label="music" kinds={["audio"]} onPick={…} />          // audio: upload only
//
// Renders two controls: a "From gallery…" button (labelled "Choose <label> from the gallery"), which opens a dialog
// of thumbnails (one click picks; with `multiple`, clicks toggle and "Add" picks them in the order clicked), and an
// "Upload…" file input (labelled "Upload <label>"), which sends the file to POST /v1/uploads. Either way `onPick`
// gets `MediaRef`s (`ref` is what a job's input field takes: `artifact:<id>` or `upload:<id>`). The caller keeps
// what was picked; `MediaPreview` shows one.
import { useInfiniteQuery } from "@tanstack/react-query";
import { useId, useState, type ChangeEvent } from "react";
import { Dialog } from "../gallery/Dialog";
import { ACCEPT, artifactRef, listMedia, uploadFile, type MediaKind, type MediaRef } from "./media";
import "./pickers.css";

interface Props {
  /** What is picked, in words ("still", "shots", "music"): it names the controls. */
  label: string;
  /** The kinds offered; the gallery has image and video, uploads take all three. */
  kinds: readonly MediaKind[];
  multiple?: boolean;
  /** Offer the upload control (default true). */
  upload?: boolean;
  disabled?: boolean;
  onPick: (refs: MediaRef[]) => void;
}

export function MediaPicker({ label, kinds, multiple = false, upload = true, disabled = false, onPick }: Props) {
  const galleryKinds = kinds.filter((kind): kind is "image" | "video" => kind !== "audio");
  const [open, setOpen] = useState(false);
  return (
    <div className="mp-controls">
      {galleryKinds.length > 0 && (
        <button type="button" aria-label={`Choose ${label} from the gallery`} disabled={disabled} onClick={() => setOpen(true)}>
          From gallery…
        </button>
      )}
      {upload && <UploadControl label={label} kinds={kinds} multiple={multiple} disabled={disabled} onPick={onPick} />}
      {open && (
        <GalleryDialog
          label={label}
          kinds={galleryKinds}
          multiple={multiple}
          onClose={() => setOpen(false)}
          onPick={(refs) => {
            setOpen(false);
            onPick(refs);
          }}
        />
      )}
    </div>
  );
}

function UploadControl({ label, kinds, multiple, disabled, onPick }: Required<Omit<Props, "upload">>) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onChange = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const files = [...(input.files ?? [])];
    if (files.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const refs: MediaRef[] = [];
      for (const file of files) refs.push(await uploadFile(file)); // in order: a slideshow keeps the files' order
      onPick(refs);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "The upload failed; try again");
    } finally {
      setBusy(false);
      input.value = ""; // the same file again is a new pick
    }
  };
  return (
    <span className="mp-upload">
      <label htmlFor={id} className={`mp-upload-button${busy || disabled ? " disabled" : ""}`}>
        {busy ? "Uploading…" : "Upload…"}
      </label>
      <input
        id={id}
        type="file"
        className="mp-file"
        aria-label={`Upload ${label}`}
        aria-describedby={`${id}-error`}
        accept={kinds.map((kind) => ACCEPT[kind]).join(",")}
        multiple={multiple}
        disabled={busy || disabled}
        onChange={(event) => void onChange(event)}
      />
      <span id={`${id}-error`}>
        {error && (
          <span className="field-error" role="alert">
            {error}
          </span>
        )}
      </span>
    </span>
  );
}

interface DialogProps {
  label: string;
  kinds: ("image" | "video")[];
  multiple: boolean;
  onClose: () => void;
  onPick: (refs: MediaRef[]) => void;
}

function GalleryDialog({ label, kinds, multiple, onClose, onPick }: DialogProps) {
  const [kind, setKind] = useState(kinds[0] ?? "image");
  const [chosen, setChosen] = useState<MediaRef[]>([]);
  const page = useInfiniteQuery({
    queryKey: ["picker", kind],
    queryFn: ({ pageParam, signal }) => listMedia(kind, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_before,
    staleTime: 10_000,
  });
  const artifacts = page.data?.pages.flatMap((p) => p.data) ?? [];
  const toggle = (ref: MediaRef) =>
    setChosen((now) => (now.some((c) => c.ref === ref.ref) ? now.filter((c) => c.ref !== ref.ref) : [...now, ref]));
  return (
    <Dialog label={`Choose ${label}`} className="mp-dialog" onClose={onClose}>
      <header className="mp-head">
        <h2>Choose {label}</h2>
        {kinds.length > 1 && (
          <div role="group" aria-label="Kind" className="mp-kinds">
            {kinds.map((k) => (
              <button key={k} type="button" aria-pressed={k === kind} onClick={() => setKind(k)}>
                {k === "image" ? "Images" : "Videos"}
              </button>
            ))}
          </div>
        )}
        <button type="button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {page.isPending ? (
        <p role="status" className="muted">
          Loading…
        </p>
      ) : page.isError ? (
        <p role="alert" className="field-error">
          {page.error.message}
        </p>
      ) : artifacts.length === 0 ? (
        <p className="muted">No {kind === "image" ? "images" : "videos"} in the gallery yet.</p>
      ) : (
        <ul className="mp-grid" aria-label={kind === "image" ? "Images" : "Videos"}>
          {artifacts.map((artifact) => {
            const ref = artifactRef(artifact);
            const order = chosen.findIndex((c) => c.ref === ref.ref);
            return (
              <li key={artifact.id}>
                <button
                  type="button"
                  className="mp-item"
                  data-artifact-id={artifact.id}
                  aria-label={`${multiple ? "Toggle" : "Pick"}: ${ref.name}`}
                  aria-pressed={multiple ? order !== -1 : undefined}
                  onClick={() => (multiple ? toggle(ref) : onPick([ref]))}
                >
                  <img src={ref.preview ?? ""} alt="" loading="lazy" decoding="async" />
                  {ref.kind === "video" && <span className="mp-badge" aria-hidden="true">▶</span>}
                  {order !== -1 && <span className="mp-order" aria-hidden="true">{order + 1}</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <footer className="mp-foot">
        {page.hasNextPage && (
          <button type="button" disabled={page.isFetchingNextPage} onClick={() => void page.fetchNextPage()}>
            {page.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        )}
        {multiple && (
          <button type="button" className="primary" disabled={chosen.length === 0} onClick={() => onPick(chosen)}>
            Add {chosen.length || ""} {chosen.length === 1 ? "item" : "items"}
          </button>
        )}
      </footer>
    </Dialog>
  );
}

/** A picked file as a small picture (a video's thumbnail, or an icon for an upload without one) and its name. */
export function MediaPreview({ media, size = "small" }: { media: MediaRef; size?: "small" | "large" }) {
  return (
    <span className={`mp-preview ${size}`}>
      {media.preview ? (
        <img src={media.preview} alt="" />
      ) : (
        <span className="mp-icon" aria-hidden="true">
          {media.kind === "audio" ? "♪" : "▶"}
        </span>
      )}
      <span className="mp-name" title={media.name}>
        {media.name}
      </span>
    </span>
  );
}
