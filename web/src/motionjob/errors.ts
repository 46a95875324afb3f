// A motion job's API errors by field: `items.0.duration` → "duration", `items.0.shots.2.image` → "shots.2.image", so
// each page shows the message beside the control the field names.
import { ApiError } from "../api/client";

export interface FieldError {
  /** The request field, without the `items.<n>.` prefix; "" when the error names none. */
  field: string;
  message: string;
}

export function fieldError(error: unknown): FieldError | null {
  if (error === null || error === undefined) return null;
  if (!(error instanceof ApiError)) return { field: "", message: error instanceof Error ? error.message : String(error) };
  const field = (error.field ?? "").replace(/^items\.\d+\.?/, "");
  return { field, message: error.message };
}

/** The message for `field` (or any field under it, e.g. `enhance` for `enhance.smooth`), else undefined. */
export function messageFor(error: FieldError | null, ...fields: string[]): string | undefined {
  if (error === null) return undefined;
  return fields.some((f) => error.field === f || error.field.startsWith(`${f}.`)) ? error.message : undefined;
}
