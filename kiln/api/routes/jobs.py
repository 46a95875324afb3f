"""`/v1/jobs`: submit, list, inspect, change the priority of, cancel, retry and delete jobs, and page through
their items."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Query, Response

from kiln.api.artifact_files import remove_files
from kiln.api.deps import BaseUrlDep, CallerDep, JobDep, ServicesDep, StorageDep, StoreDep
from kiln.api.errors import ApiError
from kiln.api.results import collect_results, task_files
from kiln.api.schemas.jobs import (
    ItemList,
    JobCreated,
    JobList,
    JobOptions,
    JobRequest,
    JobUpdate,
    JobView,
    TaskJobRequest,
)
from kiln.api.submit import image_submission, submit_images
from kiln.api.task_submit import submit_tasks
from kiln.api.views import item_view, job_created, job_summary, job_view
from kiln.errors import NotFound
from kiln.jobs.records import FINAL_JOB_STATES, ItemState, JobRecord, JobState
from kiln.jobs.storage_keys import job_folder, live_frames_root
from kiln.jobs.store import JobStore
from kiln.jobs.task_folders import forget_tasks
from kiln.storage.local import LocalStorage

__all__ = ["router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
MAX_ERRORS_SHOWN = 50


@router.post("", status_code=202, response_model=JobCreated, summary="Submit a job")
def submit_job(body: JobRequest, services: ServicesDep, caller: CallerDep, base: BaseUrlDep) -> JobCreated:
    """Plan the request into items and queue them; answers at once with the job's id and links."""
    if isinstance(body, TaskJobRequest):
        options = body.model_dump(include=set(JobOptions.model_fields), exclude_unset=True)
        request = body.model_dump(mode="json", exclude_unset=True) | {"kind": body.kind}
        job = submit_tasks(services, caller, kind=body.kind, items=body.items, options=options, request=request)
    else:
        job = submit_images(services, caller, image_submission(body, services.settings.max_items))
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


def _view(store: JobStore, base: str, job: JobRecord, *, results: bool = False, warning: str | None = None) -> JobView:
    failed = store.list_items(job.id, states=["failed"], limit=MAX_ERRORS_SHOWN) if job.counts.get("failed") else []
    results_read = collect_results(store, job) if results else None
    return job_view(base, job, failed=failed, results=results_read, warning=warning)


@router.get("/{job_id}", response_model=JobView, response_model_exclude_none=False, summary="A job's progress")
async def get_job(
    job: JobDep,
    store: StoreDep,
    services: ServicesDep,
    base: BaseUrlDep,
    include: Annotated[list[Literal["results"]] | None, Query(description="`results`: every artifact")] = None,
) -> JobView:
    results = bool(include and "results" in include)
    warning = await services.pools.warning(job) if services.pools is not None else None
    if results or job.counts.get("failed"):  # more to read from the store
        return await anyio.to_thread.run_sync(lambda: _view(store, base, job, results=results, warning=warning))

    # the polled case: no store call past the (briefly cached) record and the live pools, rendered once for all
    def render() -> bytes:
        return job_view(base, job, warning=warning).model_dump_json().encode()

    body = services.hot.body(job, base, render, warning=warning)
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


@router.patch("/{job_id}", response_model=JobView, summary="Change a job's priority")
def update_job(body: JobUpdate, job: JobDep, store: StoreDep, services: ServicesDep, base: BaseUrlDep) -> JobView:
    """The job's items not yet claimed take the new priority; a finished job is refused (409)."""
    updated = store.set_priority(job.id, body.priority)
    services.hot.forget_job(job.id)
    if updated is None:
        raise NotFound(f"no job {job.id!r}")
    if updated.state in FINAL_JOB_STATES:  # the store left it as it was
        message = f"job {job.id} is {updated.state}: it has nothing left to run, so its priority can't change"
        raise ApiError(409, "conflict", message, field="priority")
    return _view(store, base, updated)


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
    folder = job_folder(job.owner, job.id, None)
    if job.kind == "animation":  # its live frames (`kiln.worker.live_frames`) are no artifact's
        storage.delete_folder(live_frames_root(job.owner, job.id))
    remove_files(storage, [*keys, *extra], prune=folder)  # emptied, it goes too
    if not isinstance(storage, LocalStorage):  # a bucket has no folder to prune: every object under the job's goes
        storage.delete_folder(folder)
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
