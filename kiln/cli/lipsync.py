"""`kiln lipsync VIDEO AUDIO --out FILE` and `kiln avatar PORTRAIT (--audio FILE | --text LINE) --out FILE`.

The work (face boxes, finished frames in chunks, an avatar's speech and motion) is kept in `FILE.work/` beside the
output, so running the same command again after a stop or a crash continues without redoing finished frames.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.motion.lipsync.checks import check_checkpoint
from kiln.motion.lipsync.request import AvatarRequest, FacePadding, LipsyncRequest
from kiln.motion.task import TaskOutput

__all__ = ["avatar_command", "lipsync_command"]

console = Console()

PadTop = Annotated[int, typer.Option("--pad-top", help="Pixels added above each face box")]
PadBottom = Annotated[int, typer.Option("--pad-bottom", help="Pixels added below each face box (the chin)")]
PadLeft = Annotated[int, typer.Option("--pad-left", help="Pixels added left of each face box")]
PadRight = Annotated[int, typer.Option("--pad-right", help="Pixels added right of each face box")]
BatchSize = Annotated[int, typer.Option("--batch-size", help="Faces per network call (and per checkpoint)")]
Checkpoint = Annotated[
    str, typer.Option("--checkpoint", help="tiny-wav2lip (built in) or a Wav2Lip checkpoint: wav2lip.pth")
]
Out = Annotated[Path, typer.Option("--out", help="The MP4 to write; its work is kept in <out>.work/")]


def _existing(path: Path, field: str) -> str:
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise InvalidInput(field, f"{path} does not exist")
    return str(resolved)


def _checkpoint(name: str) -> str:
    check_checkpoint(name, local=True)
    return name if name in ("tiny-wav2lip", "wav2lip") else str(Path(name).expanduser().resolve())


def _deliver(output: TaskOutput, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(output.path, out)
    console.print(
        f"[green]Done.[/green] {out} ({output.frames} frames, {output.duration or 0:.2f} s, "
        f"{output.width}x{output.height}, sound: {'yes' if output.metadata.get('has_audio') else 'no'})"
    )


def _run(kind: str, request: Any, out: Path) -> None:
    from kiln.cli.task_progress import TaskProgressBar
    from kiln.engine.executor import Engine
    from kiln.motion.runners import run_task

    work_dir = out.parent / f"{out.name}.work"
    work_dir.mkdir(parents=True, exist_ok=True)
    engine = Engine(Settings(), max_models=1)
    try:
        with TaskProgressBar(console, kind) as bar:
            [output] = run_task(kind, request.model_dump(mode="json"), models=engine, work_dir=work_dir, control=bar)
    except KeyboardInterrupt:
        console.print(f"[yellow]Interrupted.[/yellow] Finished frames are kept in {work_dir}/; run it again.")
        raise typer.Exit(130) from None
    _deliver(output, out)


def lipsync_command(
    video: Annotated[Path, typer.Argument(help="A video with a face in it")],
    audio: Annotated[Path, typer.Argument(help="The speech: any file with an audio track")],
    out: Out,
    pad_top: PadTop = 0,
    pad_bottom: PadBottom = 10,
    pad_left: PadLeft = 0,
    pad_right: PadRight = 0,
    batch_size: BatchSize = 16,
    checkpoint: Checkpoint = "tiny-wav2lip",
    crf: Annotated[int | None, typer.Option(help="MP4 quality, 0-51 (lower is better)")] = None,
) -> None:
    """Re-draw the mouth of VIDEO to speak AUDIO, which replaces its sound. Running it again continues."""
    request = LipsyncRequest(
        video=_existing(video, "video"),
        audio=_existing(audio, "audio"),
        checkpoint=_checkpoint(checkpoint),
        padding=FacePadding(top=pad_top, bottom=pad_bottom, left=pad_left, right=pad_right),
        batch_size=batch_size,
        crf=crf,
        name=out.stem,
    )
    _run("lipsync", request, out)


def avatar_command(
    portrait: Annotated[Path, typer.Argument(help="A still portrait: one face, facing the camera")],
    out: Out,
    audio: Annotated[Path | None, typer.Option(help="The speech: any file with an audio track")] = None,
    text: Annotated[str | None, typer.Option(help="A line spoken by kiln's TTS (instead of --audio)")] = None,
    voice: Annotated[str, typer.Option(help="The TTS voice (espeak-ng --voices)")] = "en",
    rate: Annotated[int, typer.Option(help="Words per minute")] = 165,
    video_model: Annotated[str, typer.Option(help="Image-to-video model for the head's motion")] = "tiny-svd",
    fps: Annotated[float, typer.Option(help="Frames per second")] = 8.0,
    steps: Annotated[int | None, typer.Option(help="Denoising steps of the motion")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the motion")] = 0,
    pad_top: PadTop = 0,
    pad_bottom: PadBottom = 10,
    pad_left: PadLeft = 0,
    pad_right: PadRight = 0,
    batch_size: BatchSize = 16,
    checkpoint: Checkpoint = "tiny-wav2lip",
) -> None:
    """Make PORTRAIT speak --audio or --text: its motion, lip-synced, with the speech as sound."""
    if (audio is None) == (text is None):
        raise InvalidInput("audio", "give --audio FILE or --text LINE, one of the two")
    request = AvatarRequest(
        image=_existing(portrait, "image"),
        audio=None if audio is None else _existing(audio, "audio"),
        text=text,
        voice=voice,
        rate=rate,
        video_model=video_model,
        fps=fps,
        steps=steps,
        seed=seed,
        checkpoint=_checkpoint(checkpoint),
        padding=FacePadding(top=pad_top, bottom=pad_bottom, left=pad_left, right=pad_right),
        batch_size=batch_size,
        name=out.stem,
    )
    _run("avatar", request, out)
