"""`POST /v1/images`: generate now and answer with the images (base64 or signed URLs)."""

from __future__ import annotations

import time

import anyio.to_thread
from fastapi import APIRouter, Request

from kiln.api.deps import BaseUrlDep, CallerDep, ServicesDep
from kiln.api.schemas.images import ImageData, ImagesRequest, ImagesResponse
from kiln.api.submit import ImageSubmission
from kiln.api.sync import SYNC_PRIORITY, encode_b64, generate, signed_url

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["images"])


@router.post(
    "/images",
    response_model=ImagesResponse,
    response_model_exclude_none=True,
    summary="Generate images and wait for them",
    responses={504: {"description": "Not finished in time; the job goes on (its id is in the error)"}},
)
async def create_images(
    body: ImagesRequest, request: Request, services: ServicesDep, caller: CallerDep, base: BaseUrlDep
) -> ImagesResponse:
    """Runs as a job at priority 10; answers when its images exist, or 504 after `timeout` seconds."""
    submission = ImageSubmission(
        specs=[body.spec()],
        label=None,
        n=body.n,
        priority=SYNC_PRIORITY,
        request=body.model_dump(mode="json", exclude_unset=True),
    )
    job, results = await generate(services, caller, submission, timeout=body.timeout, gone=request.is_disconnected)
    data = []
    for result in results:
        artifact = result.artifact
        if body.response_format == "b64_json":
            b64, url = await anyio.to_thread.run_sync(encode_b64, services, artifact), None
        else:
            b64, url = None, signed_url(services, base, artifact.id)
        data.append(
            ImageData(
                b64_json=b64,
                url=url,
                seed=result.seed,
                width=artifact.width,
                height=artifact.height,
                metadata=dict(artifact.metadata),
            )
        )
    return ImagesResponse(created=int(time.time()), job_id=job.id, data=data)
