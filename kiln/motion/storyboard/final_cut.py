"""Making the final cut: the planned `AssemblyRequest` run over the cached images, clips and narration lines.

The assembly works in the final asset's scratch folder; its video (and .srt) are moved into the asset folder
and committed together, so a final cut is cached whole or not at all.
"""

from __future__ import annotations

import os
import re
from typing import Any

from kiln.errors import InvalidInput
from kiln.motion.assembly.runner import run_assembly, short_clip_warnings
from kiln.motion.storyboard.cache import NARRATION_FILE, CachedAsset
from kiln.motion.storyboard.narration import CachedLines
from kiln.motion.storyboard.plan import RenderPlan
from kiln.motion.storyboard.session import RenderSession, SubtaskControl
from kiln.motion.task import ModelSource

__all__ = ["SUBTITLES_FILE", "VIDEO_FILE", "make_final"]

VIDEO_FILE = "video.mp4"
SUBTITLES_FILE = "subtitles.srt"
_SHOT_FIELD = re.compile(r"shots\[(\d+)\]\.?(.*)")


def make_final(session: RenderSession, models: ModelSource, *, speech_engine: str) -> CachedAsset:
    """The cached final cut, made first if missing. `speech_engine` is the name the narration was made with."""
    plan, cache = session.plan, session.cache
    cached = cache.get(plan.final_key)
    if cached is not None:
        return cached
    session.check_stop("the final cut")
    lines = {asset.text: cache.root / asset.key / NARRATION_FILE for asset in plan.narration_assets()}
    try:
        outputs = run_assembly(
            plan.assembly.resolved(cache.root),
            models=models,
            work_dir=cache.scratch(plan.final_key),
            control=SubtaskControl(session, "final cut"),
            tts=CachedLines(speech_engine, lines),
        )
    except InvalidInput as exc:
        raise _scene_error(exc, plan) from exc
    video, *extra = outputs
    folder = cache.folder(plan.final_key)
    os.replace(video.path, folder / VIDEO_FILE)
    files = {"main": VIDEO_FILE}
    subtitles = next((output for output in extra if output.name.endswith(".srt")), None)
    if subtitles is not None:
        os.replace(subtitles.path, folder / SUBTITLES_FILE)
        files["subtitles"] = SUBTITLES_FILE
    facts: dict[str, Any] = {
        "width": video.width,
        "height": video.height,
        "duration": video.duration,
        "fps": video.fps,
        "frames": video.frames,
        **video.metadata,
    }
    short = video.metadata.get("short_clips", [])
    facts["warnings"] = short_clip_warnings(short, lambda index: plan.scenes[index].label, "shot.fit")
    made = cache.commit(plan.final_key, "final", files, facts)
    session.made("final", made, "final cut")
    return made


def _scene_error(exc: InvalidInput, plan: RenderPlan) -> InvalidInput:
    """The assembly's `shots[i].<field>` said of scene i + 1 (the storyboard's fields have the same names)."""
    match = _SHOT_FIELD.fullmatch(exc.field)
    if match is None:
        return exc
    scene = plan.scenes[int(match[1])]
    return InvalidInput(match[2] or "scene", exc.message, where=scene.label)
