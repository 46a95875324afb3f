// The service's status (GET /v1/status): workers, queue depth, my usage, version. One query, polled every
// 2 s while a page shows it, shared by the top bar's status line and the Status page.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";

export type ServiceStatus = components["schemas"]["ServiceStatus"];
export type WorkerStatus = components["schemas"]["WorkerStatus"];

export const STATUS_QUERY = ["status"] as const;
export const STATUS_POLL_MS = 2_000;

export function useServiceStatus() {
  return useQuery({
    queryKey: STATUS_QUERY,
    queryFn: async () => unwrap(await api.GET("/v1/status")),
    refetchInterval: STATUS_POLL_MS,
    staleTime: STATUS_POLL_MS / 2,
  });
}

/** "3 s ago", "5 min ago": how long before `now` a time was. */
export function ago(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
}
