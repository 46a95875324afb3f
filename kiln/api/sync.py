"""Synchronous generation for `/v1/images` and the OpenAI route: submit at high priority, wait, deliver.

Waiting polls the store; when time runs out the answer is 504 with the job id, and the job goes on.
Delivery is inline base64 or a signed, absolute URL that works without an API key until it expires.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import anyio
import anyio.to_thread

from kiln.api.auth import Caller
from kiln.api.deps import Services
from kiln.api.errors import ApiError
from kiln.api.results import Result, collect_results
from kiln.api.submit import ImageSubmission, submit_images
from kiln.api.views import artifact_url
from kiln.errors import NotFound
from kiln.jobs.records import FINAL_JOB_STATES, ArtifactRecord, JobRecord

__all__ = ["SYNC_PRIORITY", "encode_b64", "generate", "signed_url", "wait_until_final"]

SYNC_PRIORITY = 10
POLL_SECONDS = 0.1
_NO_RETRY = {"x-should-retry": "false"}  # the OpenAI client would otherwise resubmit the job


async def wait_until_final(
    services: Services, job_id: str, *, timeout: float, gone: Callable[[], Awaitable[bool]] | None = None
) -> JobRecord:
    """The job once it is final; `ApiError` 504 (naming the job) if that takes longer than `timeout`, or as
    soon as `gone()` says the client left (the job goes on either way)."""
    deadline = time.monotonic() + timeout
    while True:
        job = await anyio.to_thread.run_sync(services.store.get_job, job_id)
        if job is None:
            raise NotFound(f"job {job_id!r} was deleted while waiting for it")
        if job.state in FINAL_JOB_STATES:
            return job
        left = deadline - time.monotonic()
        if left <= 0 or (gone is not None and await gone()):
            message = f"job {job_id} did not finish within {timeout:g} s; it goes on: follow /v1/jobs/{job_id}"
            raise ApiError(504, "timeout", message, headers=_NO_RETRY, extra={"job_id": job_id})
        await anyio.sleep(min(POLL_SECONDS, left))


async def generate(
    services: Services,
    caller: Caller,
    submission: ImageSubmission,
    *,
    timeout: float,
    gone: Callable[[], Awaitable[bool]] | None = None,
) -> tuple[JobRecord, list[Result]]:
    """Submit, wait, and return the job with its results; errors if no image came out."""
    job = await anyio.to_thread.run_sync(submit_images, services, caller, submission)
    job = await wait_until_final(services, job.id, timeout=timeout, gone=gone)
    results = await anyio.to_thread.run_sync(collect_results, services.store, job)
    if not results:
        if job.state == "canceled":
            raise ApiError(409, "canceled", f"job {job.id} was canceled", extra={"job_id": job.id})
        message = f"job {job.id} made no image: {job.error or 'every item failed'}"
        raise ApiError(500, "generation_failed", message, headers=_NO_RETRY, extra={"job_id": job.id})
    return job, results


def signed_url(services: Services, base: str, artifact_id: str) -> str:
    return f"{artifact_url(base, artifact_id)}?{urlencode(services.signer.sign(artifact_id))}"


def encode_b64(services: Services, artifact: ArtifactRecord) -> str:
    """The artifact's file as base64 text (blocking)."""
    return base64.b64encode(services.storage.read(artifact.storage_key)).decode("ascii")
