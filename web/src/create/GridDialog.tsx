// Grid: up to three axes (prompt S/R, seed, steps, CFG, style, model, sampler) over the form's prompt -> one job
// of every combination, and a labelled grid image when it completes.
import { useState } from "react";
import { ApiError } from "../api/client";
import { Dialog } from "./Dialog";
import { jobBody, type FormValues } from "./form";
import { GRID_FIELDS, MAX_AXES, planGrid, type AxisDraft } from "./grid";
import { useSubmitJob } from "./submit";
import type { GridField, ImagesJobBody, JobCreated } from "./types";

interface GridDialogProps {
  form: FormValues;
  onClose: () => void;
  onCreated: (job: JobCreated, body: ImagesJobBody) => void;
}

/** The axis an error's field names ("grid.axes.1.values" -> 1), else null. */
export function gridAxisOf(field: string | null): number | null {
  const match = /^grid\.axes\.(\d+)/.exec(field ?? "");
  return match ? Number(match[1]) : null;
}

export function GridDialog({ form, onClose, onCreated }: GridDialogProps) {
  const [axes, setAxes] = useState<AxisDraft[]>([{ field: "seed", text: "" }]);
  const plan = planGrid(axes, form.prompt);
  const submit = useSubmitJob((job, body) => {
    onCreated(job, body);
    onClose();
  });
  const serverError = submit.error instanceof ApiError ? submit.error : null;
  const serverAxis = gridAxisOf(serverError?.field ?? null);
  const images = plan.images * form.count;
  const change = (index: number, changes: Partial<AxisDraft>) =>
    setAxes((all) => all.map((axis, i) => (i === index ? { ...axis, ...changes } : axis)));
  const unused = GRID_FIELDS.find((f) => !axes.some((a) => a.field === f.field))?.field ?? "steps";

  return (
    <Dialog title="Grid" onClose={onClose} className="grid-dialog">
      <p className="muted">
        Every combination of the values below, made from the prompt and settings of the form; a labelled grid image
        comes when the job completes.
      </p>
      <ol className="grid-axes">
        {axes.map((axis, index) => {
          const hint = GRID_FIELDS.find((f) => f.field === axis.field)?.hint;
          const problem = axis.text.trim() ? plan.problems[index] : null;
          const error = serverAxis === index ? serverError?.message : problem;
          return (
            <li key={index} className="grid-axis">
              <label htmlFor={`axis-${index}`}>Axis {index + 1}</label>
              <select
                id={`axis-${index}`}
                value={axis.field}
                data-autofocus={index === 0 ? true : undefined}
                onChange={(e) => change(index, { field: e.target.value as GridField })}
              >
                {GRID_FIELDS.map((f) => (
                  <option key={f.field} value={f.field}>
                    {f.label}
                  </option>
                ))}
              </select>
              <input
                aria-label={`Axis ${index + 1} values`}
                aria-describedby={`axis-${index}-note`}
                aria-invalid={error ? true : undefined}
                value={axis.text}
                placeholder="values, separated by commas"
                onChange={(e) => change(index, { text: e.target.value })}
              />
              <button
                type="button"
                aria-label={`Remove axis ${index + 1}`}
                disabled={axes.length === 1}
                onClick={() => setAxes((all) => all.filter((_, i) => i !== index))}
              >
                ×
              </button>
              <div id={`axis-${index}-note`} className="axis-note">
                {error ? (
                  <span className="field-error" role="alert">
                    {error}
                  </span>
                ) : (
                  <span className="field-hint">{hint}</span>
                )}
              </div>
            </li>
          );
        })}
      </ol>
      {axes.length < MAX_AXES && (
        <button type="button" onClick={() => setAxes((all) => [...all, { field: unused, text: "" }])}>
          Add axis
        </button>
      )}
      <p className="grid-count" aria-live="polite">
        {plan.grid ? `${images} image${images === 1 ? "" : "s"}` : "Fill in every axis"}
        {plan.grid && form.count > 1 ? ` (${plan.images} combinations × ${form.count} each)` : ""}
      </p>
      {serverError && serverAxis === null && (
        <p className="field-error" role="alert">
          {serverError.field ? `${serverError.field}: ` : ""}
          {serverError.message}
        </p>
      )}
      {!form.prompt.trim() && <p className="field-error">Write a prompt in the form first.</p>}
      <footer className="dialog-actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          disabled={plan.grid === null || !form.prompt.trim() || submit.isPending}
          onClick={() => plan.grid && submit.mutate(jobBody(form, { grid: plan.grid }))}
        >
          Generate grid
        </button>
      </footer>
    </Dialog>
  );
}
