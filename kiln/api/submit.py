"""From a request to a stored job: the body read into an `ImageSubmission`, the items planned, the prefix and the
webhook URL checked (`plan_images`, which `POST /v1/estimate` shares), then job and items written at once with
the quota checked and charged in the same step (one image per item).

Planner errors are re-labelled with the request's field path: `items.3.width` when the item set the field,
`defaults.width` when the defaults did. Callers name built-in and hub models only (or the default model): the
planner runs with `local_models=False`, so no request makes the server look at its disk for a model.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import TypeAdapter

from kiln.api.auth import Caller, charge
from kiln.api.deps import Services
from kiln.api.inputs import stored_image, stored_image_size
from kiln.api.schemas.jobs import ImagesJobRequest
from kiln.errors import InvalidInput
from kiln.events.targets import check_url
from kiln.jobs.grid import GridSpec, plan_grid
from kiln.jobs.inpaint import check_same_size
from kiln.jobs.planner import check_total as planned_total
from kiln.jobs.planner import plan_items
from kiln.jobs.records import JobRecord, NewJob
from kiln.jobs.spec import ImageSpec
from kiln.storage.names import check_folder_names
from kiln.types import ImageItem

__all__ = [
    "ImageSubmission",
    "check_prefix",
    "check_total",
    "image_submission",
    "plan_images",
    "plan_submission",
    "submit_images",
]

_SPECS = TypeAdapter(list[ImageSpec])


@dataclass(frozen=True, slots=True)
class ImageSubmission:
    """An images job as the routes describe it; `label` names the list the specs came from (None: the body)."""

    specs: Sequence[ImageSpec]
    label: str | None = "items"
    defaults: ImageSpec | None = None
    n: int = 1
    start_seed: int | None = None
    prefix: str | None = None
    save: bool = True
    micro_batch: int | None = None
    priority: int = 0
    webhook_url: str | None = None
    request: Mapping[str, Any] = field(default_factory=dict)
    grid: GridSpec | None = None
    dedupe: bool = True
    idempotency_key: str | None = None  # a key the caller used before returns that job (`JobStore.create_job`)


def check_prefix(prefix: str | None) -> str | None:
    """A prefix whose folder names keep `kiln.storage.names`' rule (so it stays inside the job's folder and file
    systems can hold it); None for none or "". Lengths count UTF-8 bytes: "ä" * 130 is 130 characters but 260
    bytes, too long for one folder name."""
    if not prefix:
        return None
    return check_folder_names(prefix, "prefix").as_posix()


def check_total(specs: int, n: int, max_items: int, *, label: str = "items") -> None:
    """Refuse a job over `max_items` before any spec is built, naming `label` (the list) or `n`; the planner
    checks again, the same way."""
    planned_total(specs, n, max_items, label=label)


def image_submission(body: ImagesJobRequest, max_items: int) -> ImageSubmission:
    """The submission an images job body describes (`POST /v1/jobs` and `POST /v1/estimate` alike)."""
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
        grid=body.grid,
        dedupe=body.dedupe,
    )


def _relabel(exc: InvalidInput, submission: ImageSubmission) -> InvalidInput:
    if exc.where is None or not exc.where.isdigit():
        return exc
    spec = submission.specs[int(exc.where)]
    defaults = submission.defaults
    root = exc.field.split(".")[0]  # `control.image` is a part of `control`
    if root not in spec.model_fields_set and defaults is not None and root in defaults.model_fields_set:
        field_path = f"defaults.{exc.field}"
    elif submission.label is None:
        return exc
    else:
        field_path = f"{submission.label}.{exc.where}.{exc.field}"
    return InvalidInput(field_path, exc.message)


def _with_stored_inputs(submission: ImageSubmission, services: Services, caller: Caller) -> ImageSubmission:
    """The submission with each `init_image` and `mask` reference (an upload or artifact of the caller) as
    `storage:<key>`, which the worker reads from storage wherever it runs; a mask of another size than its init
    image is refused here."""

    def local(spec: ImageSpec | None, where: str) -> ImageSpec | None:
        spec = _with_stored_control(spec, services, caller, where)
        if spec is None or (spec.init_image is None and spec.mask is None):
            return spec
        update = {
            name: stored_image(value, services, caller, f"{where}{name}")
            for name in ("init_image", "mask")
            if (value := getattr(spec, name)) is not None
        }
        if "init_image" in update and "mask" in update:
            sizes = [stored_image_size(services, update[name]) for name in ("mask", "init_image")]
            check_same_size(sizes[0], sizes[1], f"{where}mask")
        return spec.model_copy(update=update)

    def where(index: int) -> str:  # a body that is one spec (`/v1/images`) names the field alone
        return f"{submission.label}.{index}." if submission.label else ""

    specs = [local(spec, where(i)) or spec for i, spec in enumerate(submission.specs)]
    return replace(submission, specs=specs, defaults=local(submission.defaults, "defaults."))


def _with_stored_control(spec: ImageSpec | None, services: Services, caller: Caller, field: str) -> ImageSpec | None:
    """`spec` with its ControlNet image (an upload or artifact of the caller) as `storage:<key>`."""
    if spec is None or spec.control is None:
        return spec
    image = stored_image(spec.control.image, services, caller, f"{field}control.image")
    return spec.model_copy(update={"control": spec.control.model_copy(update={"image": image})})


def plan_submission(services: Services, submission: ImageSubmission, caller: Caller | None = None) -> list[ImageItem]:
    """The submission's items, planned; `InvalidInput` naming the request field that is wrong. With the `caller`,
    init images are taken as references to the caller's uploads and artifacts."""
    if caller is not None:
        submission = _with_stored_inputs(submission, services, caller)
    stored_size = functools.cache(functools.partial(stored_image_size, services))  # S3: one copy per file
    try:
        if submission.grid is not None:
            return plan_grid(
                submission.grid,
                submission.specs,
                defaults=submission.defaults,
                count=submission.n,
                settings=services.settings,
                styles=services.styles,
                start_seed=submission.start_seed,
                local_models=False,
                local_files=caller is not None,
                stored_size=stored_size,
            )
        return plan_items(
            submission.specs,
            defaults=submission.defaults,
            settings=services.settings,
            styles=services.styles,
            start_seed=submission.start_seed,
            count=submission.n,
            where=str,
            local_models=False,
            local_files=caller is not None,
            stored_size=stored_size,
        )
    except InvalidInput as exc:
        raise _relabel(exc, submission) from exc


def plan_images(services: Services, caller: Caller, submission: ImageSubmission) -> tuple[NewJob, list[ImageItem]]:
    """Everything a submit checks and plans, storing and charging nothing: the job to store and its items."""
    prefix = check_prefix(submission.prefix)
    if submission.webhook_url is not None:  # the SSRF guard's DNS-free part; the dispatcher checks again
        check_url(submission.webhook_url, allow_private=services.settings.webhook_allow_private)
    items = plan_submission(services, submission, caller)
    if not submission.dedupe:
        items = [replace(item, dedupe=False) for item in items]
    job = NewJob(
        kind="images",
        priority=submission.priority,
        owner=caller.owner,
        prefix=prefix,
        save=submission.save,
        micro_batch=submission.micro_batch,
        webhook_url=submission.webhook_url,
        max_attempts=services.settings.max_attempts,
        request=submission.request,
        grid=submission.grid.model_dump(mode="json") if submission.grid is not None else None,
        idempotency_key=submission.idempotency_key,
    )
    return job, items


def submit_images(services: Services, caller: Caller, submission: ImageSubmission) -> JobRecord:
    """Plan, check and store an images job for `caller`; blocking (store calls), run it in a thread."""
    job, items = plan_images(services, caller, submission)
    size_field = "n" if submission.n > 1 or submission.label is None else submission.label
    if submission.grid is not None:
        size_field = "grid"
    return services.store.create_job(job, items, charge=charge(caller, len(items), size_field))
