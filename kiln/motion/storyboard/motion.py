"""Making the scenes' missing motion clips with the video and animation runners (`kiln.motion.task` contract).

Each runner works in its asset's scratch folder, so a clip stopped halfway resumes from its saved segments or
frames on the next render; its finished file is moved into the asset folder and the asset committed.
"""

from __future__ import annotations

import os
from typing import Any

from kiln.errors import InvalidInput
from kiln.motion.storyboard.cache import CLIP_FILE, IMAGE_FILE
from kiln.motion.storyboard.plan import MotionAsset, ScenePlan
from kiln.motion.storyboard.session import RenderSession, SubtaskControl
from kiln.motion.storyboard.subtasks import shot_error
from kiln.motion.task import ModelSource, TaskOutput
from kiln.motion.video_request import VideoRequest

__all__ = ["make_motion"]


def make_motion(session: RenderSession, models: ModelSource) -> None:
    """Render and cache every motion clip of the plan that the cache lacks (their images are cached already)."""
    for scene, asset in session.plan.motion_assets():
        if not session.missing(asset.key):
            continue
        kind = "video" if isinstance(asset.request, VideoRequest) else "animation"
        session.check_stop(f"the {kind} of {scene.label}")
        try:
            output = _run(session, asset, models, SubtaskControl(session, f"{kind} of {scene.label}"))
        except InvalidInput as exc:
            raise shot_error(exc, scene.label) from exc
        os.replace(output.path, session.cache.folder(asset.key) / CLIP_FILE)
        cached = session.cache.commit(asset.key, "motion", {"main": CLIP_FILE}, _facts(scene, kind, output))
        session.made("motion", cached, f"{kind} of {scene.label}")


def _run(session: RenderSession, asset: MotionAsset, models: ModelSource, control: SubtaskControl) -> TaskOutput:
    image = str(session.cache.root / asset.image_key / IMAGE_FILE)
    work_dir = session.cache.scratch(asset.key)
    if isinstance(asset.request, VideoRequest):
        from kiln.motion.video_task import run_video

        video = asset.request.model_copy(update={"image": image})
        return run_video(video, models=models, work_dir=work_dir, control=control)[0]
    from kiln.motion.animation.runner import run_animation

    animation = asset.request.model_copy(update={"init_image": image})
    return run_animation(animation, models=models, work_dir=work_dir, control=control)[0]


def _facts(scene: ScenePlan, kind: str, output: TaskOutput) -> dict[str, Any]:
    return {
        "scene": scene.scene.id,
        "runner": kind,
        "duration": output.duration,
        "fps": output.fps,
        "frames": output.frames,
        "width": output.width,
        "height": output.height,
    }
