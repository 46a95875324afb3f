"""`kiln render storyboard.yaml`: a whole video from a storyboard, resumable and cached by running it again.

The video (and its .srt) go to `--out` (default: `<KILN_OUTPUT_DIR>/<storyboard file name>`); the assets it is
made of are cached in `<out>/render-cache/`, so rendering again after an edit redoes only what the edit changed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kiln.cli.task_progress import TaskProgressBar
from kiln.config import Settings
from kiln.motion.storyboard.loading import load_storyboard
from kiln.motion.storyboard.report import RenderReport
from kiln.storage.local import LocalStorage

__all__ = ["CACHE_FOLDER", "render_command"]

CACHE_FOLDER = "render-cache"
console = Console()


def render_command(
    storyboard: Annotated[Path, typer.Argument(help="A storyboard .yaml or .json file")],
    out: Annotated[
        Path | None, typer.Option(help="Folder for the video and its cache (default: <output dir>/<file name>)")
    ] = None,
    micro_batch: Annotated[int | None, typer.Option(min=1, help="Images per pipeline call")] = None,
) -> None:
    """Render a storyboard into an MP4 (images, motion, narration, music, subtitles). Running it again resumes
    and reuses every asset whose inputs did not change."""
    story = load_storyboard(storyboard)
    overrides: dict[str, Any] = {"micro_batch": micro_batch} if micro_batch is not None else {}
    settings = Settings(**overrides)
    folder = out if out is not None else settings.output_dir / storyboard.stem
    from kiln.engine.executor import Engine
    from kiln.motion.storyboard.runner import render_storyboard

    console.print(f"{story.title}: {len(story.scenes)} scenes into {folder}/")
    engine = Engine(settings, max_models=settings.max_loaded_models)
    started = time.perf_counter()
    try:
        with TaskProgressBar(console, "rendering") as bar:
            render = render_storyboard(
                story, models=engine, work_dir=folder / CACHE_FOLDER, control=bar, settings=settings
            )
    except KeyboardInterrupt:
        console.print(
            f"[yellow]Interrupted.[/yellow] Finished assets are cached in {folder / CACHE_FOLDER}/; "
            "run the same command again to continue."
        )
        raise typer.Exit(130) from None
    storage = LocalStorage(folder)
    written = [storage.write(output.name, output.path.read_bytes()) for output in render.outputs]
    for warning in render.outputs[0].metadata.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    console.print(
        f"[green]Done[/green] in {time.perf_counter() - started:.1f} s: {', '.join(str(p) for p in written)}\n"
        f"{_summary(render.report)}"
    )


def _summary(report: RenderReport) -> str:
    counts = report.counts()
    parts = [
        f"{kind} {counts['made'][kind]} made, {counts['reused'][kind]} cached"
        for kind in counts["made"]
        if counts["made"][kind] or counts["reused"][kind]
    ]
    return "assets: " + "; ".join(parts)
