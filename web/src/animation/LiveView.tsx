// The live view: the newest frame as it is made, a strip of the recent ones, the frame counter, fps and ETA;
// the finished video in its place once the production ends.
import { rate, type LiveState } from "./live";

interface Props {
  jobId: string | null;
  live: LiveState;
  state: string | null;
  videoUrl: string | null;
  frames: number;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function LiveView({ jobId, live, state, videoUrl, frames }: Props) {
  const newest = live.recent[live.recent.length - 1];
  const total = live.total ?? frames;
  const { fps, etaSeconds } = rate(live);
  const status =
    state === null ? "No production yet" : live.paused && state === "running" ? "Paused" : state.charAt(0).toUpperCase() + state.slice(1);
  return (
    <section className="anim-live" aria-label="Live view">
      <div className="anim-stage">
        {videoUrl !== null ? (
          <video className="anim-video" src={videoUrl} controls autoPlay loop muted={false} aria-label="The finished video" />
        ) : newest !== undefined ? (
          <img className="anim-newest" src={newest.image} alt={`Newest frame, ${newest.frame + 1}`} />
        ) : (
          <div className="anim-placeholder">
            {jobId === null ? "Set up the engine and press New production." : "Waiting for the first frame…"}
          </div>
        )}
      </div>
      <div className="anim-meters">
        <span role="status" aria-label="Frame counter" className="anim-counter">
          Frame {live.done} of {total}
        </span>
        <span className="anim-state">{status}</span>
        <span>{fps === null ? "– fps" : `${fps.toFixed(fps < 1 ? 2 : 1)} fps`}</span>
        <span>ETA {etaSeconds === null || state !== "running" ? "–" : clock(etaSeconds)}</span>
        {jobId !== null && newest !== undefined && (
          <a href={`/v1/jobs/${encodeURIComponent(jobId)}/items/0/frame`} target="_blank" rel="noreferrer">
            Full-size frame
          </a>
        )}
      </div>
      <ol className="anim-strip" aria-label="Recent frames">
        {live.recent.map((frame) => (
          <li key={frame.frame}>
            <img src={frame.image} alt={`Frame ${frame.frame + 1}`} />
          </li>
        ))}
      </ol>
    </section>
  );
}
