"""Store records as API views: links, counts, progress, ETA, results, items and artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from kiln.api.auth import Caller
from kiln.api.results import Result
from kiln.api.schemas.info import Usage
from kiln.api.schemas.jobs import (
    ArtifactView,
    ItemError,
    ItemView,
    JobCounts,
    JobCreated,
    JobLinks,
    JobResult,
    JobSummary,
    JobView,
    PlannedImage,
    PlannedTask,
)
from kiln.jobs.quota import QUOTA_RULE, QUOTA_WINDOW
from kiln.jobs.records import FINAL_JOB_STATES, ArtifactRecord, ItemRecord, JobRecord
from kiln.task_item import TaskItem

__all__ = [
    "artifact_url",
    "artifact_view",
    "eta_seconds",
    "item_view",
    "job_created",
    "job_links",
    "job_summary",
    "job_view",
    "usage_view",
]


def job_links(base: str, job_id: str) -> JobLinks:
    """Absolute links of a job; `base` is the server's URL without a trailing slash."""
    job = f"{base}/v1/jobs/{job_id}"
    return JobLinks(
        self_=job,
        events=f"{job}/events",
        items=f"{job}/items",
        artifacts=f"{job}/artifacts",
        zip=f"{job}/zip",
        cancel=f"{job}/cancel",
    )


def artifact_url(base: str, artifact_id: str) -> str:
    return f"{base}/v1/artifacts/{artifact_id}"


def job_created(base: str, job: JobRecord) -> JobCreated:
    return JobCreated(id=job.id, kind=job.kind, state=job.state, total=job.total, links=job_links(base, job.id))


def _summary_fields(base: str, job: JobRecord) -> dict[str, object]:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "priority": job.priority,
        "total": job.total,
        "counts": JobCounts(**{k: v for k, v in job.counts.items() if k in JobCounts.model_fields}),
        "progress": job.progress,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "error": job.error,
        "links": job_links(base, job.id),
    }


def job_summary(base: str, job: JobRecord) -> JobSummary:
    return JobSummary.model_validate(_summary_fields(base, job))


def eta_seconds(job: JobRecord, now: datetime) -> float | None:
    """Seconds until the job is final at the rate of its work since it started (finished items and the fractions
    of running ones, so one long item has an ETA too); None when unknown."""
    if job.state in FINAL_JOB_STATES:
        return 0.0
    done = job.work_done
    if job.started_at is None or done <= 0:
        return None
    elapsed = (now - job.started_at).total_seconds()
    if elapsed <= 0:
        return None
    remaining = job.counts.get("pending", 0) + job.counts.get("running", 0) - job.running_progress
    return round(max(remaining, 0.0) * elapsed / done, 3)


def _elapsed(job: JobRecord, now: datetime) -> float | None:
    if job.started_at is None:
        return None
    return round(((job.finished_at or now) - job.started_at).total_seconds(), 3)


def job_view(
    base: str,
    job: JobRecord,
    *,
    failed: Sequence[ItemRecord] = (),
    results: Sequence[Result] | None = None,
    now: datetime | None = None,
    warning: str | None = None,
) -> JobView:
    now = now or datetime.now(UTC)
    return JobView.model_validate(
        {
            **_summary_fields(base, job),
            "eta_seconds": eta_seconds(job, now),
            "elapsed_seconds": _elapsed(job, now),
            "errors": [ItemError(index=item.index, error=item.error) for item in failed],
            "grid": None if job.grid is None else {"axes": job.grid["axes"], "artifact_id": job.grid_artifact_id},
            "results": None if results is None else [_job_result(base, r) for r in results],
            "warning": warning,
        }
    )


def _job_result(base: str, result: Result) -> JobResult:
    artifact = result.artifact
    return JobResult(
        index=artifact.index,
        artifact_id=artifact.id,
        url=artifact_url(base, artifact.id),
        content_type=artifact.content_type,
        width=artifact.width,
        height=artifact.height,
        seed=result.seed,
        metadata=dict(artifact.metadata),
    )


def item_view(item: ItemRecord) -> ItemView:
    return ItemView(
        id=item.id,
        index=item.index,
        state=item.state,
        attempts=item.attempts,
        error=item.error,
        started_at=item.started_at,
        finished_at=item.finished_at,
        item=(
            PlannedTask.model_validate(item.item.to_dict())
            if isinstance(item.item, TaskItem)
            else PlannedImage.model_validate(item.item.to_dict())
        ),
    )


def artifact_view(base: str, artifact: ArtifactRecord) -> ArtifactView:
    return ArtifactView(
        id=artifact.id,
        index=artifact.index,
        item_id=artifact.item_id,
        url=artifact_url(base, artifact.id),
        content_type=artifact.content_type,
        size_bytes=artifact.size_bytes,
        width=artifact.width,
        height=artifact.height,
        metadata=dict(artifact.metadata),
        created_at=artifact.created_at,
    )


def usage_view(caller: Caller, used: int, remote_cost: float = 0.0) -> Usage:
    """The caller's usage (`used`: images charged in the window; `remote_cost`: USD on remote backends) against
    its quota."""
    quota = caller.quota
    return Usage(
        owner=caller.owner,
        key_name=caller.key_name,
        images_last_24h=used,
        quota=quota,
        remaining=None if quota is None else max(quota - used, 0),
        window_hours=round(QUOTA_WINDOW.total_seconds() / 3600),
        rule=QUOTA_RULE,
        remote_cost_usd_last_24h=round(remote_cost, 6),
    )
