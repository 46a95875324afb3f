"""`POST /v1/images/generations`: the OpenAI Images API, so the official `openai` client works unchanged.

OpenAI's names map to kiln's: dall-e-*/gpt-image-* are the default model; a size is honoured, each side snapped to
the model family's size multiple (a size the family cannot make is a 400 naming `size`), and `auto` is the model's
own default size; quality and style become kiln presets.
Errors on this route take OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.

`Idempotency-Key` (per API key): a request with a key the caller used before makes nothing new; it answers the
first request's images, waiting for them if they are still being made (its job goes on when a client leaves, so a
client that crashed and sends the request again gets what it already paid for). `DELETE
/v1/images/generations/{key}` cancels what that key's request is making (kiln's remote backend sends it when its
job is canceled); the job is otherwise not canceled when the client goes away, since a crashed client that will
come back looks the same. kiln's own fields `seed` and `steps` are honoured when sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from kiln.api.deps import BaseUrlDep, CallerDep, ServicesDep, StoreDep
from kiln.api.errors import ErrorInfo, describe
from kiln.api.schemas.openai import OpenAIImage, OpenAIImageRequest, OpenAIImagesResponse
from kiln.api.submit import ImageSubmission
from kiln.api.sync import SYNC_PRIORITY, encode_b64, generate, signed_url
from kiln.config import Settings
from kiln.engine.catalog import resolve_model
from kiln.engine.families import Family
from kiln.errors import InvalidInput, NotFound
from kiln.jobs.sizing import side_limits
from kiln.jobs.spec import ImageSpec, QualityName
from kiln.presets.aspect import round_to_multiple
from kiln.remote.models import remote_model
from kiln.types import ImageItem

__all__ = [
    "QUALITY_BY_OPENAI",
    "STYLE_BY_OPENAI",
    "checked_key",
    "openai_error",
    "openai_size",
    "router",
    "spec_from_openai",
]

SYNC_TIMEOUT_SECONDS = 120.0
OPENAI_MODEL_PREFIXES = ("dall-e", "gpt-image")
QUALITY_BY_OPENAI: Mapping[str, QualityName] = {
    "standard": "balanced",
    "hd": "high",
    "low": "fast",
    "medium": "balanced",
    "high": "high",
    "auto": "balanced",
}
STYLE_BY_OPENAI: Mapping[str, str] = {"vivid": "Cinematic", "natural": "Photographic"}


def openai_error(info: ErrorInfo) -> JSONResponse:
    """An error in OpenAI's shape; validation errors are 400 there, as OpenAI answers them."""
    status = 400 if info.status == 422 else info.status
    if status == 401:
        kind, code = "invalid_request_error", "invalid_api_key"
    elif status == 429:
        kind, code = "insufficient_quota", "insufficient_quota"
    elif status >= 500:
        kind, code = "server_error", info.type
    else:
        kind, code = "invalid_request_error", info.type
    headers = dict(info.headers)
    if status == 429:
        headers["x-should-retry"] = "false"  # a quota does not lift on a retry
    body = {"error": {"message": info.message, "type": kind, "param": info.field, "code": code, **info.extra}}
    return JSONResponse(body, status_code=status, headers=headers)


class OpenAIRoute(APIRoute):
    """A route whose errors (validation, auth, quota, timeouts) are rendered in OpenAI's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                info = describe(exc)
                if info is None:
                    raise
                return openai_error(info)

        return route


router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)


def openai_size(size: str, family: Family) -> tuple[int, int]:
    """(width, height) of `WIDTHxHEIGHT`, each side snapped to `family`'s size multiple; `InvalidInput("size")`
    when a side is outside what the family makes."""
    width, height = (int(side) for side in size.split("x"))
    low, high = side_limits(family)
    snapped = (round_to_multiple(width, family.size_multiple), round_to_multiple(height, family.size_multiple))
    if not all(low <= side <= high for side in snapped):
        small, big = min(snapped) < low, max(snapped) > high  # the advice follows the sides out of range
        advice = "each side in that range" if small and big else "a larger size" if small else "a smaller size"
        raise InvalidInput(
            "size",
            f"{size} is not a size {family.name} can make: its sides are {low} to {high} pixels; "
            f"choose {advice} or auto (the model's own size)",
        )
    return snapped


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A repeated key (per API key) answers the first request's images instead of making new ones",
    ),
]
MAX_KEY_LENGTH = 255


def checked_key(key: str) -> str:
    """An idempotency key as sent, if it is one: 1 to 255 visible ASCII characters."""
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(33 <= ord(c) < 127 for c in key):
        raise InvalidInput(
            "Idempotency-Key", f"send 1 to {MAX_KEY_LENGTH} visible ASCII characters without spaces (a UUID, say)"
        )
    return key


def spec_from_openai(body: OpenAIImageRequest, settings: Settings) -> ImageSpec:
    """The kiln spec an OpenAI request means."""
    model = body.model
    if model is None or not model.strip() or model.strip().lower().startswith(OPENAI_MODEL_PREFIXES):
        model = settings.default_model
    values: dict[str, Any] = {"prompt": body.prompt, "model": model}
    if body.size is not None and body.size != "auto":
        # the planner's rule: callers name built-in or hub models, or the server's default model (maybe local)
        info = remote_model(model) or resolve_model(model, local=model.strip() == settings.default_model.strip())
        family = info.family
        values["width"], values["height"] = openai_size(body.size, family)
    if body.quality is not None:
        values["quality"] = QUALITY_BY_OPENAI[body.quality]
    if body.style is not None:
        values["style"] = STYLE_BY_OPENAI[body.style]
    if body.output_format is not None:
        values["format"] = body.output_format
    if body.seed is not None:
        values["seed"] = body.seed
    if body.steps is not None:
        values["steps"] = body.steps
    try:
        return ImageSpec(**values)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc


@router.post(
    "/images/generations",
    response_model=OpenAIImagesResponse,
    response_model_exclude_none=True,
    summary="Generate images (OpenAI Images API)",
)
async def generations(
    body: OpenAIImageRequest,
    request: Request,
    services: ServicesDep,
    caller: CallerDep,
    base: BaseUrlDep,
    idempotency_key: IdempotencyKey = None,
) -> OpenAIImagesResponse:
    submission = ImageSubmission(
        idempotency_key=checked_key(idempotency_key) if idempotency_key is not None else None,
        specs=[spec_from_openai(body, services.settings)],
        label=None,
        n=body.n or 1,
        priority=SYNC_PRIORITY,
        request={"openai": body.model_dump(mode="json", exclude_unset=True)},
    )
    _, results = await generate(
        services, caller, submission, timeout=SYNC_TIMEOUT_SECONDS, gone=request.is_disconnected
    )
    data = []
    for result in results:
        revised = result.item.prompt if isinstance(result.item, ImageItem) else body.prompt
        if body.response_format == "b64_json":
            b64 = await anyio.to_thread.run_sync(encode_b64, services, result.artifact)
            data.append(OpenAIImage(b64_json=b64, revised_prompt=revised))
        else:
            data.append(OpenAIImage(url=signed_url(services, base, result.artifact.id), revised_prompt=revised))
    return OpenAIImagesResponse(created=int(time.time()), data=data)


@router.delete(
    "/images/generations/{key}",
    summary="Cancel what the request with this Idempotency-Key is making (kiln's extension)",
)
def cancel_generation(key: str, store: StoreDep, services: ServicesDep, caller: CallerDep) -> dict[str, Any]:
    job = store.job_for_key(caller.owner, checked_key(key))
    if job is None:
        raise NotFound(f"no request of yours with Idempotency-Key {key!r}")
    canceled = store.cancel_job(job.id) or job
    services.hot.forget_job(job.id)
    return {"idempotency_key": key, "job_id": canceled.id, "state": canceled.state}
