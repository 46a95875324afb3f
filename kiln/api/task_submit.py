"""From a motion job request (`video`, `animation`, `assembly`, `storyboard`) to a stored job of task items.

Each item is validated with its kind's request model (the same one the runner takes, imported without torch) after
its input references are checked and rewritten (`kiln.api.inputs`); an error names the field as
`items.<i>.<field path>`. Every item becomes one `TaskItem`: one runner call with its own resumable work folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

from pydantic import ValidationError

from kiln.api.auth import Caller, charge
from kiln.api.deps import Services
from kiln.api.inputs import check_inputs
from kiln.api.submit import check_prefix
from kiln.engine.catalog import resolve_model
from kiln.errors import InvalidInput
from kiln.events.targets import check_url
from kiln.jobs.inputs import STORAGE_SCHEME
from kiln.jobs.records import JobRecord, NewJob
from kiln.media.audio import audio_duration, check_audio
from kiln.motion.cost import job_frames, size_field
from kiln.motion.runners import request_model
from kiln.storage.local import LocalStorage
from kiln.task_item import TaskItem

__all__ = ["plan_tasks", "submit_tasks"]

_MODEL_FIELDS = frozenset({"model", "video_model"})


def _first_error(exc: ValidationError, where: str) -> InvalidInput:
    error = exc.errors()[0]
    location = ".".join(str(part) for part in error["loc"])
    return InvalidInput(f"{where}.{location}" if location else where, error["msg"])


def plan_tasks(
    services: Services, caller: Caller, kind: str, items: list[dict[str, Any]]
) -> tuple[list[TaskItem], int]:
    """One checked `TaskItem` per request of `items`, and the frames that only their input files tell (a lip-sync's
    video, an avatar's speech), measured now for the quota."""
    model = request_model(kind)
    planned, measured = [], 0
    for index, raw in enumerate(items):
        where = f"items.{index}"
        checked = check_inputs(raw, services, caller, where)
        try:
            request = model.model_validate(checked)
        except ValidationError as exc:
            raise _first_error(exc, where) from exc
        except InvalidInput as exc:
            raise InvalidInput(f"{where}.{exc.field}", exc.message) from exc
        body = request.model_dump(mode="json", exclude_unset=True)
        _check_models(body, where, services.settings.default_model)
        if kind == "video":
            _check_video(request, services, where, raw)
        elif kind == "animation":
            _check_audio(request, services, where, raw)
        elif kind == "upscale":
            _check_upscale(request, services, where, raw)
        elif kind in ("lipsync", "avatar"):
            measured += _check_lipsync(request, services, caller, where, raw)
        model_name = body.get("model") or ""
        planned.append(TaskItem(index=index, kind=kind, request=body, model=model_name, name=body.get("name")))
    return planned, measured


def _check_models(request: Any, where: str, default_model: str) -> None:
    """Every model a request names (`model`, `video_model`, at any depth) is a built-in or hub id, or the server's
    default model: API callers never make the server load another folder or file from its disk."""
    if isinstance(request, dict):
        for key, value in request.items():
            if key in _MODEL_FIELDS and isinstance(value, str) and value and value.strip() != default_model.strip():
                try:
                    resolve_model(value, local=False)
                except InvalidInput as exc:
                    raise InvalidInput(f"{where}.{key}", exc.message) from exc
            else:
                _check_models(value, f"{where}.{key}", default_model)
    elif isinstance(request, list):
        for i, value in enumerate(request):
            _check_models(value, f"{where}.{i}", default_model)


def _check_upscale(request: Any, services: Services, where: str, given: Mapping[str, Any]) -> None:
    """An upscale's upscaler is a built-in or a file of the upscalers folder, and its stored image one Pillow
    reads (a sound file is a 422 now, not a charged job that fails later) with its result within the output pixel
    limit (the size read from its header)."""
    from kiln.api.inputs import stored_image_size
    from kiln.engine.upscaler_names import resolve_upscaler
    from kiln.motion.upscale_task import check_upscale_size

    try:
        resolve_upscaler(request.upscaler, folder=services.settings.resolved_upscalers_dir(), local=False)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}.upscaler", exc.message) from exc
    if isinstance(request.image, str) and request.image.startswith(STORAGE_SCHEME):
        size = stored_image_size(services, request.image)
        if size is None:
            shown = str(given.get("image"))[:80]  # the caller's reference, never the storage key
            raise InvalidInput(f"{where}.image", f"{shown} is not an image kiln can read; upload a PNG, JPEG or WebP")
        check_upscale_size(size, request, services.settings.max_output_pixels, f"{where}.image")


def _check_audio(request: Any, services: Services, where: str, given: Mapping[str, Any]) -> None:
    """An animation's stored sound track must decode now (as a video's does in its plan), so a bad file is a 422,
    not a charged job that fails later; one given by URL is checked when the worker fetches it."""
    value = getattr(request, "audio", None)
    if not isinstance(value, str) or not value.startswith(STORAGE_SCHEME):
        return
    with ExitStack() as stack:
        path = _stored_path(services, stack, value, f"{where}.audio", given.get("audio"))
        try:
            check_audio(path)
        except ValueError as exc:
            raise InvalidInput(f"{where}.audio", str(exc).replace(path, str(given.get("audio")))) from None


def _check_lipsync(request: Any, services: Services, caller: Caller, where: str, given: Mapping[str, Any]) -> int:
    """A lip-sync's video (readable, not too long, a face in view) and speech, an avatar's portrait (a face in it)
    and speech, and the checkpoint (a built-in name: no server paths), checked now so a mistake is a 422. Answers
    the frames it will make: a lip-sync's video frames, an avatar's speech length at its fps (`text` is spoken
    now, by the engine the worker uses). A length behind a URL is unknown until the worker fetches it: 0 without a
    quota, a 422 asking for an upload with one (a quota counts frames)."""
    from pathlib import Path

    from kiln.motion.lipsync.checks import (
        check_checkpoint,
        check_face_in_video,
        check_speech,
        check_video,
        portrait_box,
    )
    from kiln.motion.lipsync.cost import avatar_frames
    from kiln.motion.lipsync.request import AvatarRequest

    try:
        check_checkpoint(request.checkpoint, local=False)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}.{exc.field}", exc.message) from exc
    frames: int | None = None
    with ExitStack() as stack:
        for field in ("video", "image", "audio"):
            value = getattr(request, field, None)
            if not isinstance(value, str) or not value.startswith(STORAGE_SCHEME):
                continue  # absent, or a URL the worker checks when it fetches it
            named, shown = f"{where}.{field}", str(given.get(field))
            path = Path(_stored_path(services, stack, value, named, given.get(field)))
            if field == "video":
                _, frames = check_video(path, named, shown)
                check_face_in_video(path, frames, named, shown)
            elif field == "image":
                portrait_box(path, named, shown)
            else:
                check_speech(path, named, shown)
                if isinstance(request, AvatarRequest):
                    frames = avatar_frames(audio_duration(path), request.fps)
        if isinstance(request, AvatarRequest) and request.audio is None:
            frames = avatar_frames(_spoken_seconds(request, services, stack, where), request.fps)
    if frames is None and caller.quota is not None:
        field = "audio" if isinstance(request, AvatarRequest) else "video"
        raise InvalidInput(
            f"{where}.{field}",
            f"{str(given.get(field))[:80]} is a URL, whose length is not known until the worker fetches it, and "
            "this key's quota counts the frames made: upload it (POST /v1/uploads) and give upload:<id>",
        )
    return frames or 0


def _spoken_seconds(request: Any, services: Services, stack: ExitStack, where: str) -> float:
    """How long an avatar's `text` lasts, spoken as the worker will speak it (its voice and rate)."""
    import tempfile
    from pathlib import Path

    from kiln.media.tts import synthesizer

    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kiln-avatar-speech-")))
    try:
        spoken = synthesizer(services.settings.tts).synthesize(
            request.text, folder / "speech.wav", voice=request.voice, rate=request.rate
        )
    except InvalidInput as exc:  # the engine names its own fields
        field = {"narration": "text"}.get(exc.field or "", exc.field or "text")
        raise InvalidInput(f"{where}.{field}", exc.message) from exc
    return spoken.duration


def _stored_path(services: Services, stack: ExitStack, value: str, field: str, given: object) -> str:
    """The local path of a stored input (`storage:<key>`): the file itself in a folder, a temporary copy of a
    bucket's object (removed when `stack` closes)."""
    storage, key = services.storage, value.removeprefix(STORAGE_SCHEME)
    if isinstance(storage, LocalStorage):
        return str(storage.path(key))
    try:
        return str(stack.enter_context(storage.local_copy(key)))
    except FileNotFoundError:
        raise InvalidInput(field, f"{given} is gone from storage; upload it again") from None


def _check_video(request: Any, services: Services, where: str, given: Mapping[str, Any]) -> None:
    """Plan the video now (model and mode, text, size, length, segments, loop) so a mistake is a 422, not a failed
    item later. Its stored inputs are read where the storage keeps them (an error names them as `given`, never by
    the server's path); one given by URL is checked when the worker fetches it."""
    from kiln.motion.video_plan import plan_video

    local, shown = {}, {}
    with ExitStack() as stack:
        for field in ("image", "audio"):
            value = getattr(request, field, None)
            if isinstance(value, str) and value.startswith(STORAGE_SCHEME):
                local[field] = _stored_path(services, stack, value, f"{where}.{field}", given.get(field))
                shown[local[field]] = str(given.get(field))
            elif value is not None:
                return
        try:
            plan_video(request.model_copy(update=local), local=False)
        except InvalidInput as exc:
            message = exc.message
            for path, reference in shown.items():
                message = message.replace(path, reference)
            raise InvalidInput(f"{where}.{exc.field}", message) from exc


def submit_tasks(
    services: Services,
    caller: Caller,
    *,
    kind: str,
    items: list[dict[str, Any]],
    options: Mapping[str, Any],
    request: Mapping[str, Any],
) -> JobRecord:
    """Plan, check and store a motion job for `caller`; blocking (store calls), run it in a thread."""
    prefix = check_prefix(options.get("prefix"))
    webhook_url = options.get("webhook_url")
    if webhook_url is not None:
        check_url(webhook_url, allow_private=services.settings.webhook_allow_private)
    planned, measured = plan_tasks(services, caller, kind, items)
    cost = measured + job_frames(
        kind, [item.request for item in planned], settings=services.settings, styles=services.styles
    )
    job = NewJob(
        kind=kind,
        priority=options.get("priority", 0),
        owner=caller.owner,
        prefix=prefix,
        save=options.get("save", True),
        micro_batch=1,
        webhook_url=webhook_url,
        max_attempts=services.settings.max_attempts,
        request=request,
    )
    return services.store.create_job(job, planned, charge=charge(caller, cost, size_field(kind, items), "frames"))
