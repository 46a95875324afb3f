// The studio's session: whether this browser is signed in (GET /v1/session), signing in with an API key (which
// the server turns into an HttpOnly cookie: the page never keeps the key) and signing out.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";

export type Session = components["schemas"]["SessionView"];

export const SESSION_QUERY = ["session"] as const;

export function useSession() {
  return useQuery({
    queryKey: SESSION_QUERY,
    queryFn: async () => unwrap(await api.GET("/v1/session")),
    staleTime: 60_000,
    retry: false,
  });
}

/** Signs in with `key`; on success every cached answer is dropped (it may be another key's) and the session
 * read again. Errors are `ApiError`s carrying the API's message (e.g. an unknown key). */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (key: string) => {
      const headers = { Authorization: `Bearer ${key.trim()}` };
      unwrap(await api.POST("/v1/session", { headers }));
    },
    onSuccess: async () => {
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_QUERY[0] });
      await queryClient.invalidateQueries({ queryKey: SESSION_QUERY });
    },
  });
}

/** Signs out: the cookie is cleared and nothing of the key stays in the page's cache. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      unwrap(await api.DELETE("/v1/session"));
    },
    onSuccess: () => {
      queryClient.setQueryData<Session>(SESSION_QUERY, (session) => ({
        auth: session?.auth ?? "on",
        signed_in: false,
        key_name: null,
      }));
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_QUERY[0] });
    },
  });
}
