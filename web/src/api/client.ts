// The one typed client of kiln's /v1 API. Types come from the server's OpenAPI document (`npm run api`).
// Requests carry the session cookie (same origin); errors are thrown as `ApiError` with the API's field and message.
import createClient from "openapi-fetch";
import type { paths } from "./schema";

// The page's own origin (requests need an absolute URL outside a browser, e.g. in unit tests), and the global
// fetch looked up per call, so tests can stub it.
export const api = createClient<paths>({
  baseUrl: globalThis.location?.origin ?? "",
  credentials: "same-origin",
  fetch: (request: Request) => globalThis.fetch(request),
});

/** The API's error body: `{"error": {"type", "message", "field"}}`. */
export interface ApiErrorBody {
  error: { type: string; message: string; field?: string | null };
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field: string | null;

  constructor(status: number, body: unknown) {
    const detail = isErrorBody(body) ? body.error : { type: "http", message: `HTTP ${status}`, field: null };
    super(detail.message);
    this.status = status;
    this.type = detail.type;
    this.field = detail.field ?? null;
  }
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  return typeof body === "object" && body !== null && "error" in body && typeof body.error === "object";
}

/** Unwraps an openapi-fetch result: the data, or an `ApiError`. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw new ApiError(result.response.status, result.error);
  return result.data as T;
}
