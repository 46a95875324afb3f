// The one query client: server state cached and refreshed by TanStack Query. A 401 from any query means the
// session ended (expired, or its key revoked): the session is read again, which shows the sign-in screen.
import { QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api/client";
import { SESSION_QUERY } from "./session/session";

export function makeQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    defaultOptions: { queries: { staleTime: 2_000, refetchOnWindowFocus: true, retry: 1 } },
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (error instanceof ApiError && error.status === 401 && query.queryKey[0] !== SESSION_QUERY[0]) {
          void client.invalidateQueries({ queryKey: SESSION_QUERY });
        }
      },
    }),
  });
  return client;
}
