// The API's errors with the per-line `details` some carry, and JSON posts of the job body by hand: the generated
// request type of an images job makes the fields the server defaults (`priority`, `save`) required, and the page
// leaves those to the server, so `POST /v1/jobs` and `POST /v1/estimate` do not go through the typed client.
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

/** `unwrap` for the typed client, with the error's `details`. */
export function unwrapDetailed<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw new DetailedApiError(result.response.status, result.error);
  return result.data as T;
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
