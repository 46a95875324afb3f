// Test helpers: a fake kiln API behind the global fetch (routes by "METHOD /path"), and rendering inside a fresh
// query client. For unit tests only (nothing in the app imports this).
import { QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { vi } from "vitest";
import { makeQueryClient } from "../queryClient";

export type Handler = (request: Request) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function apiError(status: number, message: string, field: string | null = null): Response {
  return json(status, { error: { type: "error", message, field } });
}

/** Stubs the global fetch with `routes`; an unknown route answers 404. Returns every request made. */
export function stubApi(routes: Record<string, Handler>): Request[] {
  const requests: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      requests.push(request.clone());
      const handler = routes[`${request.method} ${new URL(request.url).pathname}`];
      return handler ? handler(request) : apiError(404, `no route ${request.method} ${request.url}`);
    }),
  );
  return requests;
}

/** Renders `ui` with the app's own query client (its 401 handling included), retries off. */
export function renderWithQueries(ui: ReactElement) {
  const client = makeQueryClient();
  client.setDefaultOptions({ queries: { ...client.getDefaultOptions().queries, retry: false } });
  return { client, ...render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>) };
}
