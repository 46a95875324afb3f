// A storyboard render as it goes: the job's progress and its latest step (live events), then what the render made
// and what it reused from earlier renders (the video's metadata), and the final cut playing in the page.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "wouter";
import { artifactUrl } from "../queue/api";
import { ProgressBar } from "../queue/ProgressBar";
import { useJob } from "../queue/queries";
import { isActive } from "../queue/types";
import { useLiveJobs } from "../queue/useLiveJobs";
import { ASSET_KINDS, finalCut, renderReport, type AssetCounts, type AssetKind, type RenderReport } from "./api";

const KIND_NAMES: Record<AssetKind, [string, string]> = {
  image: ["image", "images"],
  motion: ["motion clip", "motion clips"],
  narration: ["narration line", "narration lines"],
  final: ["final cut", "final cuts"],
};

/** "1 image and 1 final cut", or "nothing". */
export function describeCounts(counts: AssetCounts): string {
  const parts = ASSET_KINDS.filter((kind) => counts[kind] > 0).map(
    (kind) => `${counts[kind]} ${KIND_NAMES[kind][counts[kind] === 1 ? 0 : 1]}`,
  );
  if (parts.length === 0) return "nothing";
  return parts.length === 1 ? (parts[0] as string) : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1) as string}`;
}

export function RenderPanel({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  const active = job.data !== undefined && isActive(job.data);
  const [step, setStep] = useState<string | null>(null);
  useLiveJobs(active ? [jobId] : [], (event) => {
    if (event.type === "item.progress" && typeof event.data.message === "string") setStep(event.data.message);
  });
  const done = job.data?.state === "completed";
  const final = useQuery({
    queryKey: ["storyboard", "final", jobId],
    queryFn: ({ signal }) => finalCut(jobId, signal),
    enabled: done,
    staleTime: Infinity,
  });

  if (job.isPending) return <p aria-busy="true">Starting the render…</p>;
  if (job.isError) {
    return (
      <p className="field-error" role="alert">
        {job.error.message}
      </p>
    );
  }
  const view = job.data;
  return (
    <div className="render-status" data-state={view.state} data-job-id={view.id}>
      <ProgressBar job={view} label="Render progress" />
      <p className="muted" aria-live="polite">
        {active ? (step ?? (view.state === "queued" ? "Waiting for a worker…" : "Rendering…")) : `Render ${view.state}`}
        {" · "}
        <Link href={`/queue/${view.id}`}>job {view.id.slice(-8)}</Link>
      </p>
      {"errors" in view &&
        view.errors.map((error) => (
          <p key={error.index} className="field-error" role="alert">
            {error.error}
          </p>
        ))}
      {final.isError && (
        <p className="field-error" role="alert">
          {final.error.message}
        </p>
      )}
      {final.data && <FinalCut artifactId={final.data.id} report={renderReport(final.data)} />}
    </div>
  );
}

function FinalCut({ artifactId, report }: { artifactId: string; report: RenderReport | null }) {
  const url = artifactUrl(artifactId);
  return (
    <div className="final-cut">
      {report && (
        <>
          <p role="status" className="render-summary">
            Made {describeCounts(report.made)}; reused {describeCounts(report.reused)}.
          </p>
          <table className="asset-table" aria-label="Assets made and reused">
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Made</th>
                <th scope="col">Reused</th>
              </tr>
            </thead>
            <tbody>
              {ASSET_KINDS.map((kind) => (
                <tr key={kind} data-kind={kind}>
                  <th scope="row">{KIND_NAMES[kind][1]}</th>
                  <td>{report.made[kind]}</td>
                  <td>{report.reused[kind]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <video className="final-video" src={url} controls playsInline preload="metadata" aria-label="Final cut" />
      <a href={url} download>
        Download the video
      </a>
    </div>
  );
}
