// Follows the given jobs over the shared WebSocket and refetches a job's view when its events say it changed.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { feedUrl, JobFeed, KeyedThrottle, type FeedEvent } from "./live";
import { refreshJob } from "./queries";

/** At most this often per job, a view refetch from its events (a step of a running unit is one event). */
const REFRESH_MS = 400;

let shared: JobFeed | null = null;

function sharedFeed(): JobFeed {
  shared ??= new JobFeed(() => feedUrl(window.location));
  return shared;
}

/** Watches `jobIds` (the active ones a page shows); `onEvent` hears each of their events too. */
export function useLiveJobs(jobIds: readonly string[], onEvent?: (event: FeedEvent) => void, feed?: JobFeed): void {
  const client = useQueryClient();
  const throttle = useMemo(() => new KeyedThrottle(REFRESH_MS, (id) => refreshJob(client, id)), [client]);
  const onEventRef = useRef(onEvent);
  useEffect(() => {
    onEventRef.current = onEvent;
  });
  const key = [...new Set(jobIds)].sort().join(",");
  useEffect(() => {
    if (key === "") return;
    const source = feed ?? sharedFeed();
    const stops = key.split(",").map((id) =>
      source.watch(id, (event) => {
        throttle.call(id);
        onEventRef.current?.(event);
      }),
    );
    return () => stops.forEach((stop) => stop());
  }, [key, throttle, feed]);
}
