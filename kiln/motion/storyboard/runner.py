"""`run_storyboard`: a storyboard's missing assets made in dependency order, then its final cut (see
`kiln.motion.task` for the runner contract).

Order: every scene's image (batched by signature), then the motion clips, then the narration, then the assembly.
Each finished asset is cached in `work_dir/assets/<key>/` before the next starts; a stop raises `Cancelled`
between assets (or between steps inside one), and running again on the same `work_dir` reuses what is done.
The final output's metadata lists which asset keys were made and which reused (`RenderReport`). With
`shared_assets` (the job worker passes the owner's folder, `kiln.jobs.task_folders.owner_asset_dir`), assets are
also taken from and published to a cache that outlives the work folder (`kiln.motion.storyboard.shared`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kiln.config import Settings
from kiln.media.tts import SpeechSynthesizer, synthesizer
from kiln.motion.storyboard.cache import AssetCache
from kiln.motion.storyboard.final_cut import make_final
from kiln.motion.storyboard.images import ImageEngine, make_images
from kiln.motion.storyboard.manifest import Storyboard
from kiln.motion.storyboard.motion import make_motion
from kiln.motion.storyboard.narration import make_narration
from kiln.motion.storyboard.plan import RenderPlan, plan_render
from kiln.motion.storyboard.report import RenderReport
from kiln.motion.storyboard.session import RenderSession
from kiln.motion.task import TaskControl, TaskOutput
from kiln.presets.styles import load_styles

__all__ = ["Render", "render_storyboard", "run_storyboard"]


@dataclass(frozen=True, slots=True)
class Render:
    """A finished render: the final video first (then its subtitles), and what was made or reused."""

    outputs: list[TaskOutput]
    report: RenderReport
    plan: RenderPlan


def run_storyboard(
    storyboard: Storyboard,
    *,
    models: ImageEngine,
    work_dir: Path,
    control: TaskControl,
    settings: Settings | None = None,
    tts: SpeechSynthesizer | None = None,
    shared_assets: Path | None = None,
) -> list[TaskOutput]:
    """The runner: the final MP4 (and its .srt when subtitles are on), resumable from `work_dir`."""
    render = render_storyboard(
        storyboard,
        models=models,
        work_dir=work_dir,
        control=control,
        settings=settings,
        tts=tts,
        shared_assets=shared_assets,
    )
    return render.outputs


def render_storyboard(
    storyboard: Storyboard,
    *,
    models: ImageEngine,
    work_dir: Path,
    control: TaskControl,
    settings: Settings | None = None,
    tts: SpeechSynthesizer | None = None,
    shared_assets: Path | None = None,
) -> Render:
    """`run_storyboard` with its report. `settings` (default: the engine's) give the default model, the styles
    and the speech engine (`KILN_TTS`); `tts` replaces that engine."""
    settings = settings or getattr(models, "settings", None) or Settings()
    narrated = any(scene.narration for scene in storyboard.scenes)
    speech = tts or (synthesizer(settings.tts) if narrated else None)
    name = _slug(storyboard.title)
    styles = load_styles(settings.styles_file)
    engine_name = speech.name if speech is not None else settings.tts
    plan = plan_render(storyboard, settings=settings, styles=styles, speech_engine=engine_name, name=name)
    cache = AssetCache(work_dir, shared_assets, shared_max_bytes=settings.asset_cache_max_bytes)
    session = RenderSession(plan, cache, control)
    session.note(f"{session.done} of {session.total} assets cached")
    make_images(session, models)
    make_motion(session, models)
    if speech is not None:
        make_narration(session, speech)
    final = make_final(session, models, speech_engine=engine_name)
    outputs = [
        TaskOutput(
            path=final.file(),
            content_type="video/mp4",
            name=f"{name}.mp4",
            width=final.metadata.get("width"),
            height=final.metadata.get("height"),
            duration=final.metadata.get("duration"),
            fps=final.metadata.get("fps"),
            frames=final.metadata.get("frames"),
            metadata={"title": storyboard.title, "assets": session.report.to_dict(), **final.metadata},
        )
    ]
    if "subtitles" in final.files:
        outputs.append(
            TaskOutput(path=final.file("subtitles"), content_type="application/x-subrip", name=f"{name}.srt")
        )
    return Render(outputs, session.report, plan)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60].rstrip("-") or "storyboard"
