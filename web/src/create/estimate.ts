// The estimate before a bulk submit (`POST /v1/estimate`), in words.
import type { Estimate } from "./types";

/** "45 s", "about 3 min", "about 2 h 10 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest ? ` ${rest} min` : ""}`;
}

export function describeEstimate(estimate: Estimate): string {
  const images = `${estimate.items} image${estimate.items === 1 ? "" : "s"} in ${estimate.batches} batch${
    estimate.batches === 1 ? "" : "es"
  }`;
  const time = estimate.seconds === null ? "time unknown (no recent rate yet)" : formatDuration(estimate.seconds);
  return `${images} · ${time}`;
}
