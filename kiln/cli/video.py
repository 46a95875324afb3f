"""`kiln video`: a clip or a long-form video from a video model into a work folder; running the same command
again continues from the segments already saved there."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kiln.cli.task_progress import TaskProgressBar
from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.motion.video_folder import VideoFolder
from kiln.motion.video_request import VideoRequest, parse_video_request
from kiln.storage.names import check_folder_names

__all__ = ["video_command"]

console = Console()


def video_command(
    prompt: Annotated[str | None, typer.Option("--prompt", "-p", help="What happens in the video")] = None,
    image: Annotated[str | None, typer.Option(help="Image-to-video: the first frame, a file or an http(s) URL")] = None,
    model: Annotated[str | None, typer.Option(help="Video model: tiny-ltx, tiny-wan, tiny-svd, a hub id…")] = None,
    family: Annotated[
        str | None, typer.Option(help="The model's family (ltx, wan, svd) when kiln cannot tell: a hub id or folder")
    ] = None,
    mode: Annotated[str | None, typer.Option(help="t2v or i2v (default: i2v with --image)")] = None,
    negative: Annotated[str | None, typer.Option("--negative", "-N", help="Negative prompt")] = None,
    frames: Annotated[int | None, typer.Option(help="Length in frames")] = None,
    duration: Annotated[float | None, typer.Option(help="Length in seconds (instead of --frames)")] = None,
    fps: Annotated[float | None, typer.Option(help="Frames per second")] = None,
    width: Annotated[int | None, typer.Option(help="Width in pixels")] = None,
    height: Annotated[int | None, typer.Option(help="Height in pixels")] = None,
    steps: Annotated[int | None, typer.Option(help="Denoising steps")] = None,
    guidance: Annotated[float | None, typer.Option(help="CFG scale (SVD: its max guidance)")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the first segment; segment i gets seed+i")] = None,
    motion_bucket_id: Annotated[int | None, typer.Option(help="SVD: more motion when higher (1-1023)")] = None,
    noise_aug_strength: Annotated[float | None, typer.Option(help="SVD: noise added to the image (0-1)")] = None,
    segments: Annotated[int | None, typer.Option(help="Long-form: the number of chained segments")] = None,
    segment_prompt: Annotated[
        list[str] | None, typer.Option("--segment-prompt", help="Long-form: one per segment, in order (repeat)")
    ] = None,
    loop: Annotated[str | None, typer.Option(help="none, crossfade or pingpong")] = None,
    loop_frames: Annotated[int | None, typer.Option(help="crossfade: frames blended")] = None,
    smooth: Annotated[float | None, typer.Option(help="Edge-preserving smoothing per frame, 0-1")] = None,
    sharpen: Annotated[float | None, typer.Option(help="Sharpening per frame, 0-1")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="mp4, webm, gif or webp")] = None,
    crf: Annotated[int | None, typer.Option(help="Constant quality: mp4 0-51, webm 0-63 (lower is better)")] = None,
    bitrate: Annotated[str | None, typer.Option(help="Target bitrate instead of --crf, e.g. 2M")] = None,
    audio: Annotated[Path | None, typer.Option(help="A sound track to mux in (mp4, webm)")] = None,
    name: Annotated[str | None, typer.Option(help="The output file's name, without extension")] = None,
    out: Annotated[Path | None, typer.Option(help="Output root folder (default: KILN_OUTPUT_DIR or ./outputs)")] = None,
    prefix: Annotated[str | None, typer.Option(help="Subfolder of the output root for this video")] = None,
) -> None:
    """Make a video into <out>/<prefix>/. Running the same command again continues where it stopped."""
    overrides: dict[str, Any] = {"output_dir": out} if out is not None else {}
    settings = Settings(**overrides)
    enhance = {k: v for k, v in {"smooth": smooth, "sharpen": sharpen}.items() if v is not None}
    fields: dict[str, Any] = {
        "prompt": prompt, "image": image, "model": model, "family": family, "mode": mode, "negative_prompt": negative,
        "frames": frames, "duration": duration, "fps": fps, "width": width, "height": height, "steps": steps,
        "guidance": guidance, "seed": seed, "motion_bucket_id": motion_bucket_id,
        "noise_aug_strength": noise_aug_strength, "segments": _segments(segments, segment_prompt), "loop": loop,
        "loop_frames": loop_frames, "enhance": enhance or None, "format": fmt, "crf": crf, "bitrate": bitrate,
        "audio": None if audio is None else str(audio.expanduser().resolve()), "name": name,
    }  # fmt: skip
    data = {key: value for key, value in fields.items() if value is not None}
    if image is not None and not _is_url(image):
        data["image"] = str(Path(image).expanduser().resolve())  # the same request from any folder
    fingerprint = hashlib.sha256(parse_video_request(data).model_dump_json().encode()).hexdigest()
    folder = settings.output_dir / (check_folder_names(prefix) if prefix else _default_prefix(data, fingerprint))
    if image is not None and _is_url(image):
        data["image"] = str(_fetch(image, folder))
    _run(parse_video_request(data), folder, settings)


def _segments(count: int | None, prompts: list[str] | None) -> int | list[str] | None:
    if not prompts:
        return count
    if count is not None and count != len(prompts):
        raise InvalidInput("segments", f"--segments {count} but {len(prompts)} --segment-prompt; give one or match")
    return prompts


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def _fetch(url: str, folder: Path) -> Path:
    from kiln.media.fetch import fetch_image

    target = folder / ("input-" + hashlib.sha256(url.encode()).hexdigest()[:12])
    if target.is_file():  # fetched by an earlier run of this command
        return target
    with console.status(f"downloading {url}…"):
        # a command line fetches for the user at the keyboard: their own network is theirs to reach
        return fetch_image(url, target, allow_private=True)


def _default_prefix(data: dict[str, Any], fingerprint: str) -> str:
    stem = str(data.get("prompt") or Path(str(data.get("image", "video"))).stem)
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40].rstrip("-") or "video"
    return f"{slug}-{fingerprint[:6]}"


def _run(request: VideoRequest, folder: Path, settings: Settings) -> None:
    video_folder = VideoFolder(folder)
    plan = video_folder.plan(request)  # checks everything before torch loads
    saved = video_folder.saved_count(plan)
    resumed = f", {saved} already saved" if saved else ""
    console.print(
        f"{plan.frames} frames at {plan.width}x{plan.height}, {plan.fps:g} fps: {len(plan.segments)} segment(s) of "
        f"{plan.segment_frames} frames{resumed}, with {request.model}, in {folder}/"
    )
    from kiln.engine.executor import Engine
    from kiln.motion.video_task import run_video

    engine = Engine(settings, max_models=2)  # a Wan long-form uses two: text-, then image-to-video
    try:
        with TaskProgressBar(console, "video") as bar:
            [output] = run_video(request, models=engine, work_dir=folder, control=bar)
    except KeyboardInterrupt:
        console.print(
            f"[yellow]Interrupted.[/yellow] Finished segments are saved in {folder}/; "
            "run the same command again to continue."
        )
        raise typer.Exit(130) from None
    console.print(
        f"[green]Done.[/green] {output.path} ({output.frames} frames, {output.duration or 0:.2f} s, "
        f"{output.width}x{output.height})"
    )
