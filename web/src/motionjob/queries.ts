// Submitting a motion job (`POST /v1/jobs` with `kind` and `items`) and reading its results once it is done.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { postJson } from "../create/http";
import type { components } from "../api/schema";

export type JobCreated = components["schemas"]["JobCreated"];
export type JobResult = components["schemas"]["JobResult"];

/** The job body by hand: the generated type of `POST /v1/jobs` is the images job's; a motion job's items are the
 * kind's request model (kiln/motion/*), which the OpenAPI document leaves open. */
export function submitMotionJob(kind: "video" | "assembly" | "lipsync" | "avatar", item: Record<string, unknown>): Promise<JobCreated> {
  return postJson<JobCreated>("/v1/jobs", { kind, items: [item] });
}

/** The finished job's artifacts (with their metadata: duration, fps, files beside them). */
export function useJobResults(jobId: string, done: boolean) {
  return useQuery({
    queryKey: ["motion", "results", jobId],
    queryFn: async ({ signal }) => {
      const view = unwrap(
        await api.GET("/v1/jobs/{job_id}", { params: { path: { job_id: jobId }, query: { include: ["results"] } }, signal }),
      );
      return view.results ?? [];
    },
    enabled: done,
    staleTime: Infinity,
  });
}
