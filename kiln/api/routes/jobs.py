"""`/v1/jobs`: submit, list, inspect, cancel, retry and delete jobs, and page through their items."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter

from kiln.api.artifact_files import remove_files
from kiln.api.deps import BaseUrlDep, CallerDep, JobDep, ServicesDep, StorageDep, StoreDep
from kiln.api.results import collect_results, task_files
from kiln.api.schemas.jobs import (
    ImagesJobRequest,
    ItemList,
    JobCreated,
    JobList,
    JobOptions,
    JobRequest,
    JobView,
    TaskJobRequest,
)
from kiln.api.submit import ImageSubmission, check_total, submit_images
from kiln.api.task_submit import submit_tasks
from kiln.api.views import item_view, job_created, job_summary, job_view
from kiln.errors import InvalidInput, NotFound
from kiln.jobs.records import ItemState, JobRecord, JobState
from kiln.jobs.spec import ImageSpec
from kiln.jobs.storage_keys import job_folder
from kiln.jobs.store import JobStore
from kiln.jobs.task_folders import forget_tasks

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
MAX_ERRORS_SHOWN = 50
_SPECS = TypeAdapter(list[ImageSpec])


def _submission(body: ImagesJobRequest, max_items: int) -> ImageSubmission:
    if body.items is not None and body.prompts is not None:
        raise InvalidInput("prompts", "give either items or prompts, not both")
    label = "items" if body.items is not None else "prompts"
    check_total(len(body.items or body.prompts or ()), body.n, max_items, label=label)
    if body.items is not None:
        specs: list[ImageSpec] = body.items
    elif body.prompts is not None:
        specs = _SPECS.validate_python([{"prompt": p} for p in body.prompts])  # one call: faster than constructing
    else:
        raise InvalidInput("items", "nothing to generate: give items (image specs) or prompts (with defaults)")
    return ImageSubmission(
        specs=specs,
        label=label,
        defaults=body.defaults.to_spec() if body.defaults is not None else None,
        n=body.n,
        start_seed=body.start_seed,
        prefix=body.prefix,
        save=body.save,
        micro_batch=body.micro_batch,
        priority=body.priority,
        webhook_url=body.webhook_url,
        request={"kind": body.kind, **body.model_dump(mode="json", exclude_unset=True)},
    )


@router.post("", status_code=202, response_model=JobCreated, summary="Submit a job")
def submit_job(body: JobRequest, services: ServicesDep, caller: CallerDep, base: BaseUrlDep) -> JobCreated:
    """Plan the request into items and queue them; answers at once with the job's id and links."""
    if isinstance(body, TaskJobRequest):
        options = body.model_dump(include=set(JobOptions.model_fields), exclude_unset=True)
        request = body.model_dump(mode="json", exclude_unset=True) | {"kind": body.kind}
        job = submit_tasks(services, caller, kind=body.kind, items=body.items, options=options, request=request)
    else:
        job = submit_images(services, caller, _submission(body, services.settings.max_items))
    return job_created(base, job)


@router.get("", response_model=JobList, summary="List jobs, newest first")
def list_jobs(
    store: StoreDep,
    caller: CallerDep,
    base: BaseUrlDep,
    state: Annotated[list[JobState] | None, Query(description="Only these states (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[str | None, Query(max_length=64, description="A job id: jobs created before it")] = None,
) -> JobList:
    jobs = store.list_jobs(owner=caller.owner, states=state, limit=limit + 1, before=before)
    more = len(jobs) > limit
    jobs = jobs[:limit]
    return JobList(data=[job_summary(base, j) for j in jobs], next=jobs[-1].id if more else None)


def _view(store: JobStore, base: str, job: JobRecord, *, results: bool = False) -> JobView:
    failed = store.list_items(job.id, states=["failed"], limit=MAX_ERRORS_SHOWN) if job.counts.get("failed") else []
    return job_view(base, job, failed=failed, results=collect_results(store, job) if results else None)


@router.get("/{job_id}", response_model=JobView, response_model_exclude_none=False, summary="A job's progress")
async def get_job(
    job: JobDep,
    store: StoreDep,
    services: ServicesDep,
    base: BaseUrlDep,
    include: Annotated[list[Literal["results"]] | None, Query(description="`results`: every artifact")] = None,
) -> JobView:
    results = bool(include and "results" in include)
    if results or job.counts.get("failed"):  # more to read from the store
        return await anyio.to_thread.run_sync(lambda: _view(store, base, job, results=results))
    # the polled case: no store call past the (briefly cached) record, rendered once for every poller
    body = services.hot.body(job, base, lambda: job_view(base, job).model_dump_json().encode())
    return Response(body, media_type="application/json")  # type: ignore[return-value]  # already a JobView


@router.post("/{job_id}/cancel", response_model=JobView, summary="Cancel a job's unfinished items")
def cancel_job(job: JobDep, store: StoreDep, services: ServicesDep, base: BaseUrlDep) -> JobView:
    canceled = store.cancel_job(job.id)
    services.hot.forget_job(job.id)
    if canceled is None:
        raise NotFound(f"no job {job.id!r}")
    return _view(store, base, canceled)


@router.post("/{job_id}/retry", response_model=JobView, summary="Queue a job's failed and canceled items again")
def retry_job(job: JobDep, store: StoreDep, services: ServicesDep, base: BaseUrlDep) -> JobView:
    retried = store.retry_job(job.id)
    services.hot.forget_job(job.id)
    if retried is None:
        raise NotFound(f"no job {job.id!r}")
    return _view(store, base, retried)


@router.delete("/{job_id}", status_code=204, response_class=Response, summary="Delete a job and its files")
def delete_job(job: JobDep, store: StoreDep, services: ServicesDep, storage: StorageDep) -> Response:
    """Removes the job's records and exactly the files its artifacts name (a task's extra files too), with their
    thumbnails."""
    extra = task_files(store.list_artifacts(job.id)) if job.kind != "images" else []
    keys = store.delete_job(job.id)
    services.hot.forget_job(job.id)
    forget_tasks(services.settings, job.id)
    if keys is None:
        raise NotFound(f"no job {job.id!r}")
    remove_files(storage, [*keys, *extra], prune=job_folder(job.owner, job.id, None))  # emptied, it goes too
    return Response(status_code=204)


@router.get("/{job_id}/items", response_model=ItemList, summary="A job's items, in index order")
def list_items(
    job: JobDep,
    store: StoreDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    state: Annotated[list[ItemState] | None, Query(description="Only these states (repeatable)")] = None,
) -> ItemList:
    items = store.list_items(job.id, states=state, offset=offset, limit=limit)
    next_offset = offset + len(items) if len(items) == limit else None
    return ItemList(data=[item_view(i) for i in items], offset=offset, limit=limit, next_offset=next_offset)
