import { useEffect, useState } from "react";

/** The time now, ticking every `intervalMs` while `ticking` (ages and ETAs count down between fetches). */
export function useNow(intervalMs = 1000, ticking = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, ticking]);
  return now;
}
