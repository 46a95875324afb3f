export function JobPage({ jobId }: { jobId: string }) {
  return <h1>Job {jobId}</h1>;
}
