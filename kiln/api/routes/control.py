"""`POST /v1/jobs/{id}/control`: steer a running animation — pause, resume, stop, teleport, edit its keyframes.

A command is stored as a `control` event of the job (so it reaches the worker running the item, on any machine, and
shows in the job's event stream); the worker applies it between two frames.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import anyio.to_thread
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from kiln.api.deps import CallerDep, JobDep, ServicesDep
from kiln.api.errors import ApiError
from kiln.api.inputs import check_inputs
from kiln.errors import InvalidInput
from kiln.jobs.records import FINAL_JOB_STATES
from kiln.jobs.store import JobStore
from kiln.jobs.text import PlainText
from kiln.motion.animation.controls import Command
from kiln.motion.animation.request import AnimationRequest, apply_edit
from kiln.task_item import TaskItem

__all__ = ["ControlAccepted", "ControlCommand", "router"]

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


class ControlCommand(Command, PlainText):
    """One command for a running animation (all of the job's items, or the one at `index`): the runner's
    `Command`, whose image comes as a reference, with the item it is for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    image_hint: ClassVar[str] = "upload:<id>, artifact:<id> or a URL"

    index: Annotated[int, Field(ge=0)] | None = Field(default=None, description="One item; default: every item")
    image: str | None = Field(default=None, description="teleport: upload:<id>, artifact:<id> or a URL")
    changes: dict[str, Any] | None = Field(
        default=None, description="edit: request fields to change from the next frame, e.g. {'strength': '0:(0.6)'}"
    )


class ControlAccepted(BaseModel):
    job_id: str
    event_id: int
    command: dict[str, Any]


@router.post("/{job_id}/control", status_code=202, response_model=ControlAccepted, summary="Steer an animation")
async def control_job(body: ControlCommand, job: JobDep, services: ServicesDep, caller: CallerDep) -> ControlAccepted:
    if job.kind != "animation":
        raise ApiError(409, "conflict", f"job {job.id} is a {job.kind} job; only animations take commands")
    if job.state in FINAL_JOB_STATES:
        raise ApiError(409, "conflict", f"job {job.id} is {job.state}; it takes no more commands")
    if body.index is not None and body.index >= job.total:
        raise ApiError(422, "invalid_input", f"the job has {job.total} item(s)", field="index")
    command = body.model_dump(mode="json", exclude_none=True)
    if body.action == "edit":
        await anyio.to_thread.run_sync(_check_edit, services.store, job.id, body.index, body.changes or {})
    command = check_inputs(command, services, caller, "")
    event = await anyio.to_thread.run_sync(services.store.append_event, job.id, "control", command)
    return ControlAccepted(job_id=job.id, event_id=event.id, command=command)


def _check_edit(store: JobStore, job_id: str, index: int | None, changes: dict[str, Any]) -> None:
    """An edit is checked against each item's request as submitted, as the runner will check it against the
    running one: fields it may change, values a new request would take."""
    records = store.list_items(job_id, limit=1000)
    for record in records:
        if (index is not None and record.index != index) or not isinstance(record.item, TaskItem):
            continue
        try:
            apply_edit(AnimationRequest.model_validate(record.item.request), changes)
        except InvalidInput as exc:
            raise InvalidInput(f"changes.{exc.field}".removesuffix(".changes"), exc.message) from exc
