// A running animation as its events tell it: `item.frame` (a small WebP of each frame as it is made, the frame
// number and the seconds it took), `item.progress` (frames done; "paused" while held) and `job.state`.
import { useEffect, useReducer, useState } from "react";
import { feedUrl, JobFeed, type FeedEvent } from "../queue/live";

export const STRIP_LENGTH = 12;

export interface LiveFrame {
  frame: number; // 0-based
  image: string; // a data: URL
  seconds: number;
}

export interface LiveState {
  recent: LiveFrame[]; // newest last, at most STRIP_LENGTH
  done: number; // frames made
  total: number | null;
  paused: boolean;
  message: string;
}

export const EMPTY_LIVE: LiveState = { recent: [], done: 0, total: null, paused: false, message: "" };

export function liveReducer(state: LiveState, event: FeedEvent | null): LiveState {
  if (event === null) return EMPTY_LIVE; // another job
  const data = event.data;
  if (event.type === "item.frame" && typeof data.frame === "number" && typeof data.image === "string") {
    const frame: LiveFrame = { frame: data.frame, image: data.image, seconds: Number(data.seconds) || 0 };
    const recent = [...state.recent.filter((f) => f.frame !== frame.frame), frame].slice(-STRIP_LENGTH);
    const total = typeof data.frames === "number" ? data.frames : state.total;
    return { ...state, recent, done: Math.max(state.done, data.frame + 1), total, paused: data.paused === true };
  }
  if (event.type === "item.progress") {
    const message = typeof data.message === "string" ? data.message : "";
    const done = typeof data.step === "number" ? Math.max(state.done, data.step) : state.done;
    const total = typeof data.steps === "number" ? data.steps : state.total;
    const paused = message === "paused" ? true : message.startsWith("command refused") ? state.paused : false;
    return { ...state, done, total, paused, message };
  }
  return state;
}

/** Frames per second over the recent frames' own times, and the seconds left at that rate. */
export function rate(state: LiveState): { fps: number | null; etaSeconds: number | null } {
  const times = state.recent.map((f) => f.seconds).filter((s) => s > 0);
  if (times.length === 0) return { fps: null, etaSeconds: null };
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const left = state.total === null ? null : Math.max(0, state.total - state.done);
  return { fps: 1 / mean, etaSeconds: left === null ? null : left * mean };
}

/** The live state of job `jobId` (all its events from the first, so a reload shows the recent frames again), and
 * `onEvent` for each event (to refetch the job's view). A feed of its own: the shared one starts after the
 * newest event it has seen. */
export function useLiveAnimation(jobId: string | null, onEvent: (event: FeedEvent) => void): LiveState {
  const [state, dispatch] = useReducer(liveReducer, EMPTY_LIVE);
  const [feed] = useState(() => new JobFeed(() => feedUrl(window.location)));
  useEffect(() => () => feed.close(), [feed]);
  useEffect(() => {
    dispatch(null);
    if (jobId === null) return;
    return feed.watch(jobId, (event) => {
      dispatch(event);
      onEvent(event);
    });
    // onEvent is read when an event comes; the subscription follows the job only
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobId, feed]);
  return state;
}
