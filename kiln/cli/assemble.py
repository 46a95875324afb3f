"""`kiln assemble plan.yaml --out video.mp4`: stills and clips cut into a narrated video, with a progress bar."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console

from kiln.cli.task_progress import TaskProgressBar
from kiln.errors import InvalidInput
from kiln.motion.assembly import AssemblyRequest, parse_request, run_assembly
from kiln.motion.assembly.runner import short_clip_warnings
from kiln.motion.yaml_lines import syntax_problem

__all__ = ["assemble_command"]

console = Console()


def _read_plan(plan: Path) -> tuple[dict[str, Any], str]:
    """The plan's data and its text (errors name their line in it)."""
    if not plan.is_file():
        raise InvalidInput("plan", f"{plan} does not exist")
    try:
        text = plan.read_text(encoding="utf-8")
        data = yaml.safe_load(text)  # JSON reads as YAML too
    except UnicodeDecodeError as exc:
        raise InvalidInput("plan", f"{plan.name} is not text ({exc}); give a YAML or JSON plan") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput("plan", f"{syntax_problem(exc)}; fix the YAML there", where=plan.name) from exc
    if not isinstance(data, dict):
        raise InvalidInput("plan", f"{plan.name} must hold a mapping with `shots:` (an assembly request)")
    return data, text


def _with_flags(
    data: dict[str, Any], resolution: str | None, fps: float | None, burn_subtitles: bool | None
) -> dict[str, Any]:
    data = dict(data)
    if resolution is not None:
        data.pop("width", None)
        data.pop("height", None)
        data["resolution"] = resolution
    if fps is not None:
        data["fps"] = fps
    if burn_subtitles is not None:
        subtitles = data.get("subtitles")
        data["subtitles"] = {**(subtitles if isinstance(subtitles, dict) else {}), "burn": burn_subtitles}
    return data


def assemble_command(
    plan: Annotated[Path, typer.Argument(help="The plan: YAML or JSON, paths relative to the plan's folder")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The MP4 to write; subtitles go beside it as .srt")],
    resolution: Annotated[str | None, typer.Option(help="720p, 1080p or 4k (overrides the plan)")] = None,
    fps: Annotated[float | None, typer.Option(help="Frames per second (overrides the plan)")] = None,
    burn_subtitles: Annotated[
        bool | None, typer.Option("--burn-subtitles/--no-burn-subtitles", help="Draw the narration into the frames")
    ] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="Where spoken lines and renders are kept (default: .<out>.work beside it)")
    ] = None,
) -> None:
    """Cut stills and clips into a video with Ken Burns motion, crossfades, music, narration and subtitles."""
    if out.suffix.lower() != ".mp4":
        raise InvalidInput("out", f"{out.name} should end in .mp4 (kiln assemble writes H.264 MP4)")
    data, text = _read_plan(plan)
    request = parse_request(_with_flags(data, resolution, fps, burn_subtitles), where=plan.name, text=text)
    request = request.resolved(plan.resolve().parent)
    folder = work_dir or out.with_name(f".{out.name}.work")
    started = time.perf_counter()
    try:
        with TaskProgressBar(console, "assembling", unit="frames") as bar:
            outputs = run_assembly(request, work_dir=folder, control=bar)
    except KeyboardInterrupt:
        console.print(f"[yellow]Interrupted.[/yellow] Spoken lines are kept in {folder}/; run again to finish.")
        raise typer.Exit(130) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for output in outputs:
        target = out if output.content_type == "video/mp4" else out.with_suffix(Path(output.name).suffix)
        _link_or_copy(output.path, target)
        written.append(target)
    short = outputs[0].metadata.get("short_clips", [])
    for warning in short_clip_warnings(short, lambda index: f"shot {index + 1}", "fit"):
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    _summary(request, outputs[0].frames, outputs[0].duration, written, time.perf_counter() - started)


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows (a video need not take its space twice), else a copy. A re-render
    replaces the work folder's file by renaming, so the linked output is never changed under the user."""
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _summary(
    request: AssemblyRequest, frames: int | None, duration: float | None, written: list[Path], seconds: float
) -> None:
    width, height = request.size
    console.print(
        f"[green]Done.[/green] {len(request.shots)} shots, {frames} frames ({duration or 0:.2f} s) at "
        f"{width}x{height} in {seconds:.1f} s: {', '.join(str(path) for path in written)}"
    )
