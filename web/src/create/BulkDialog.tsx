// Bulk: many prompts pasted one a line, or a .txt/.csv/.jsonl file (dropped or chosen), read by the server with
// the CLI's rules (POST /v1/bulk/parse, errors by line), an estimate, then one job of all of them.
import { skipToken, useQuery } from "@tanstack/react-query";
import { useState, type DragEvent } from "react";
import { api, ApiError } from "../api/client";
import { Dialog } from "./Dialog";
import { describeEstimate } from "./estimate";
import { itemIndex } from "./errors";
import { jobBody, type FormValues } from "./form";
import { DetailedApiError, unwrapDetailed, type ErrorDetail } from "./http";
import { useEstimate, useSubmitJob } from "./submit";
import type { ImageSpec, ImagesJobBody, JobCreated } from "./types";
import { useDebounced } from "./useDebounced";

const PASTED = "pasted.txt";
const ACCEPT = ".txt,.csv,.jsonl";

interface BulkDialogProps {
  form: FormValues;
  onClose: () => void;
  onCreated: (job: JobCreated, body: ImagesJobBody) => void;
}

interface Source {
  filename: string;
  text: string;
}

export function BulkDialog({ form, onClose, onCreated }: BulkDialogProps) {
  const [pasted, setPasted] = useState("");
  const [file, setFile] = useState<Source | null>(null);
  const [dragging, setDragging] = useState(false);
  const typed = useDebounced(pasted, 300);
  const source: Source | null = file ?? (typed.trim() ? { filename: PASTED, text: typed } : null);
  const parsed = useQuery({
    queryKey: ["bulk-parse", source],
    queryFn:
      source === null
        ? skipToken
        : async ({ signal }) => unwrapDetailed(await api.POST("/v1/bulk/parse", { body: source, signal })),
    retry: false,
    staleTime: Infinity,
  });
  const rows = source !== null ? parsed.data : undefined;
  const body = rows ? jobBody(form, { items: rows.items as ImageSpec[] }) : null; // specs the server checked
  const estimate = useEstimate(body);
  const submit = useSubmitJob((job, sent) => {
    onCreated(job, sent);
    onClose();
  });

  const readFile = async (chosen: File | undefined) => {
    if (!chosen) return;
    setFile({ filename: chosen.name, text: await chosen.text() });
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void readFile(event.dataTransfer.files[0]);
  };

  const parseError = parsed.error instanceof DetailedApiError ? parsed.error : null;
  const submitError = submit.error instanceof ApiError ? submit.error : null;
  const images = rows ? rows.items.length * form.count : 0;

  return (
    <Dialog title="Bulk" onClose={onClose} className="bulk-dialog">
      <div
        className={dragging ? "drop-zone dragging" : "drop-zone"}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor="bulk-prompts">Prompts, one a line</label>
        <textarea
          id="bulk-prompts"
          data-autofocus
          rows={8}
          value={file ? "" : pasted}
          disabled={file !== null}
          placeholder={"a lighthouse at dusk\na fox in the snow\n# lines starting with # are skipped"}
          onChange={(e) => setPasted(e.target.value)}
        />
        <div className="file-row">
          <label htmlFor="bulk-file">Or a file (.txt, .csv, .jsonl; drop it here)</label>
          <input id="bulk-file" type="file" accept={ACCEPT} onChange={(e) => void readFile(e.target.files?.[0])} />
          {file && (
            <button type="button" onClick={() => setFile(null)}>
              Clear {file.filename}
            </button>
          )}
        </div>
      </div>

      <div className="bulk-status" aria-live="polite">
        {parsed.isFetching && <p className="muted">Reading…</p>}
        {rows && (
          <p>
            {rows.items.length} prompt{rows.items.length === 1 ? "" : "s"} × {form.count} = {images} image
            {images === 1 ? "" : "s"}, with the settings of the form for whatever a line does not set.
          </p>
        )}
        {parseError && <LineErrors error={parseError} />}
        {parsed.error && !parseError && <p className="field-error">{parsed.error.message}</p>}
        {rows && <EstimateLine state={estimate} />}
        {submitError && (
          <p className="field-error" role="alert">
            {describeSubmitError(submitError, rows?.labels ?? [], source?.filename ?? PASTED)}
          </p>
        )}
      </div>

      <footer className="dialog-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={body === null || submit.isPending}
          onClick={() => body && submit.mutate(body)}
        >
          {images > 0 ? `Generate ${images} image${images === 1 ? "" : "s"}` : "Generate"}
        </button>
      </footer>
    </Dialog>
  );
}

function LineErrors({ error }: { error: DetailedApiError }) {
  const details: ErrorDetail[] = error.details.length > 0 ? error.details : [{ field: error.field, message: error.message }];
  return (
    <div className="line-errors" role="alert">
      <p className="field-error">Fix these lines, then the prompts can go:</p>
      <ul>
        {details.map((d, i) => (
          <li key={i}>
            {d.where && <strong>{d.where}: </strong>}
            {d.field && d.field !== "text" ? `${d.field}: ` : ""}
            {d.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function EstimateLine({ state }: { state: ReturnType<typeof useEstimate> }) {
  if (state.isPending) return <p className="muted">Estimating…</p>;
  if (state.error instanceof ApiError && state.error.status === 404) {
    return <p className="muted">This server gives no estimate.</p>;
  }
  if (state.error) return <p className="field-error">{state.error.message}</p>;
  return (
    <p className="estimate" title={state.data.basis}>
      Estimate: {describeEstimate(state.data)}
      {state.data.queue_ahead_items > 0 ? ` (after ${state.data.queue_ahead_items} queued ahead)` : ""}
    </p>
  );
}

/** A submit error about `items.N` named by the line it came from. */
export function describeSubmitError(error: ApiError, labels: string[], filename: string): string {
  const index = itemIndex(error.field);
  const label = index !== null ? labels[index] : undefined;
  const field = error.field?.split(".").slice(2).join(".");
  return label ? `${filename} ${label}${field ? `: ${field}` : ""}: ${error.message}` : error.message;
}
