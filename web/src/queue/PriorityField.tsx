import { useId, useState, type FormEvent } from "react";
import { MAX_PRIORITY, MIN_PRIORITY, isActive, type Job } from "./types";

interface Props {
  job: Job;
  /** Sends the new priority; rejects with the API's error, which is shown by the field. */
  onChange: (value: number) => Promise<unknown>;
}

/** The job's priority (higher runs first), sent on Enter or when the field loses focus; a finished job's is fixed. */
export function PriorityField({ job, onChange }: Props) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const editable = isActive(job);
  const shown = draft ?? String(job.priority);

  if (!editable) {
    return (
      <span className="priority-field" title="The job is finished: its priority no longer matters">
        Priority {job.priority}
      </span>
    );
  }

  function commit(): void {
    if (draft === null) return;
    const value = Number(draft);
    if (draft.trim() === "" || !Number.isInteger(value) || value < MIN_PRIORITY || value > MAX_PRIORITY) {
      setError(`a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}`);
      return;
    }
    setDraft(null);
    setError(null);
    if (value === job.priority) return;
    onChange(value).catch((failure: Error) => setError(failure.message));
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    commit();
  }

  return (
    <form className="priority-field" onSubmit={submit}>
      <label htmlFor={id}>Priority</label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={MIN_PRIORITY}
        max={MAX_PRIORITY}
        step={1}
        value={shown}
        title="Higher runs first; applies to the job's items not yet started"
        aria-invalid={error !== null}
        aria-describedby={error !== null ? `${id}-error` : undefined}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            setDraft(null);
            setError(null);
          }
        }}
      />
      {error !== null && (
        <span id={`${id}-error`} className="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
