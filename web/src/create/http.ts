// JSON requests for routes typed by hand (contract types in ./types until their branches are merged), with the
// API's errors as `ApiError`, and the per-line `details` some errors carry.
import { ApiError } from "../api/client";

export interface ErrorDetail {
  field: string | null;
  message: string;
  where?: string;
}

/** An `ApiError` with the `details` list of the error body (a bulk file's bad lines, a body's problems). */
export class DetailedApiError extends ApiError {
  readonly details: ErrorDetail[];

  constructor(status: number, body: unknown) {
    super(status, body);
    const error = typeof body === "object" && body !== null && "error" in body ? body.error : null;
    const details = typeof error === "object" && error !== null && "details" in error ? error.details : null;
    this.details = Array.isArray(details) ? (details as ErrorDetail[]) : [];
  }
}

export async function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new DetailedApiError(response.status, data);
  return data as T;
}
