"""Task kinds → their request models and runners, imported only when a task of that kind runs (the runners import
torch; the API validates requests with the models alone)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kiln.motion.task import ModelSource, TaskControl, TaskOutput

__all__ = ["RUNNERS", "RunnerSpec", "request_model", "run_task"]


@dataclass(frozen=True, slots=True)
class RunnerSpec:
    """Where a kind's request model and runner function live (`module:name`)."""

    request: str
    runner: str
    shares_assets: bool = False  # the runner takes `shared_assets`: a folder of finished assets of the same owner


RUNNERS: dict[str, RunnerSpec] = {
    "video": RunnerSpec("kiln.motion.video_request:VideoRequest", "kiln.motion.video_task:run_video"),
    "animation": RunnerSpec(
        "kiln.motion.animation.request:AnimationRequest", "kiln.motion.animation.runner:run_animation"
    ),
    "assembly": RunnerSpec("kiln.motion.assembly.request:AssemblyRequest", "kiln.motion.assembly.runner:run_assembly"),
    "storyboard": RunnerSpec(
        "kiln.motion.storyboard.manifest:Storyboard", "kiln.motion.storyboard.runner:run_storyboard", True
    ),
    "upscale": RunnerSpec("kiln.motion.upscale_request:UpscaleRequest", "kiln.motion.upscale_task:run_upscale"),
    "lipsync": RunnerSpec("kiln.motion.lipsync.request:LipsyncRequest", "kiln.motion.lipsync.runner:run_lipsync"),
    "avatar": RunnerSpec("kiln.motion.lipsync.request:AvatarRequest", "kiln.motion.lipsync.runner:run_avatar"),
}


def _load(target: str) -> Any:
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def request_model(kind: str) -> type[BaseModel]:
    model: type[BaseModel] = _load(RUNNERS[kind].request)
    return model


def run_task(
    kind: str,
    request: dict[str, Any],
    *,
    models: ModelSource,
    work_dir: Path,
    control: TaskControl,
    shared_assets: Path | None = None,
) -> list[TaskOutput]:
    """Validate `request` with its kind's model and run it; `shared_assets` reaches the runners that share assets
    between renders of one owner (a storyboard's images, clips and lines)."""
    parsed = request_model(kind).model_validate(request)
    spec = RUNNERS[kind]
    runner: Callable[..., list[TaskOutput]] = _load(spec.runner)
    extra = {"shared_assets": shared_assets} if spec.shares_assets and shared_assets is not None else {}
    return runner(parsed, models=models, work_dir=work_dir, control=control, **extra)
