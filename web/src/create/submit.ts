// Submitting and estimating jobs: `POST /v1/jobs` and `POST /v1/estimate` with the Create form's body.
import { useMutation, useQuery } from "@tanstack/react-query";
import { postJson } from "./http";
import type { Estimate, ImagesJobBody, JobCreated } from "./types";

export function useSubmitJob(onCreated: (job: JobCreated, body: ImagesJobBody) => void) {
  return useMutation({
    mutationFn: (body: ImagesJobBody) => postJson<JobCreated>("/v1/jobs", body),
    onSuccess: (job, body) => onCreated(job, body),
  });
}

/** The estimate of a body (null: nothing to estimate yet). */
export function useEstimate(body: ImagesJobBody | null) {
  return useQuery({
    queryKey: ["estimate", body],
    queryFn: ({ signal }) => postJson<Estimate>("/v1/estimate", body, signal),
    enabled: body !== null,
    retry: false,
    staleTime: 10_000,
  });
}
