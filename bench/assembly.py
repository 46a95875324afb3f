"""One 1080p slideshow rendered by kiln's assembly and by MoviePy 2, in one run: 8 stills of 3 s with a Ken Burns
zoom or pan each, 0.5 s crossfades and a music track as long as the video. Both write H.264 (libx264, yuv420p,
the same CRF and preset) with AAC audio; PyAV reads both back to check that duration, frame count and fps agree.

    .venv/bin/python -m bench.assembly [--images 8] [--seconds 3] [--crossfade 0.5] [--fps 24] [--preset veryfast]

MoviePy 2.2 pins Pillow below 12 while kiln needs 12 or newer, so pip cannot resolve both (it falls back to
MoviePy 1.0.3, which has another API and breaks on NumPy 2). Install it beside kiln without its pins:

    .venv/bin/pip install --no-deps "moviepy==2.2.1" decorator imageio imageio-ffmpeg proglog python-dotenv

The MoviePy side is written as its documentation shows: `ImageClip`, the `Resize` effect with a function of time
for the zoom, `with_position` for the pan inside a `CompositeVideoClip` of the output size, `CrossFadeIn`, and
`concatenate_videoclips(method="compose", padding=-crossfade)`, then `write_videofile`.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from rich.console import Console
from rich.table import Table

from kiln.media.audio import write_tone
from kiln.media.video import VideoInfo, probe_video
from kiln.motion.assembly import AssemblyRequest, KenBurns, run_assembly
from kiln.motion.assembly.request import AudioTrack, Shot, Transition

WIDTH, HEIGHT = 1920, 1080
SOURCE = (2400, 1350)  # a little larger than the output, like a generated or photographed still
ZOOM = (1.0, 1.2)  # even shots zoom in about the centre
PAN = (0.42, 0.58)  # odd shots pan left to right at zoom 1.2
CRF = 18
Renderer = Callable[[list[Path], Path, Path, argparse.Namespace], Path]


def _stills(folder: Path, count: int) -> list[Path]:
    """Photo-like stills: gradients, discs and grain (flat colour would flatter any encoder)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0 : SOURCE[1], 0 : SOURCE[0]].astype(np.float32)
    paths = []
    for index in range(count):
        pixels = np.stack(
            [
                128 + 90 * np.sin(x / (60 + 15 * index)) * np.cos(y / 80),
                255 * x / SOURCE[0],
                255 * y / SOURCE[1] * (0.5 + 0.5 * (index % 2)),
            ],
            axis=-1,
        )
        pixels += rng.normal(0, 6, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            cx, cy, r = (int(v) for v in rng.integers((0, 0, 40), (SOURCE[0], SOURCE[1], 220)))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        path = folder / f"still-{index}.jpg"
        image.save(path, quality=92)
        paths.append(path)
    return paths


def _motion(index: int) -> KenBurns:
    if index % 2 == 0:
        return KenBurns(start_zoom=ZOOM[0], end_zoom=ZOOM[1], easing="linear")
    return KenBurns(
        start_zoom=ZOOM[1], end_zoom=ZOOM[1], start_center=(PAN[0], 0.5), end_center=(PAN[1], 0.5), easing="linear"
    )


def run_kiln(stills: list[Path], music: Path, out: Path, args: argparse.Namespace) -> Path:
    request = AssemblyRequest(
        shots=[
            Shot(
                image=path,
                duration=args.seconds,
                motion=_motion(index),
                transition=Transition(kind="crossfade", duration=args.crossfade),
            )
            for index, path in enumerate(stills)
        ],
        resolution="1080p",
        fps=args.fps,
        music=AudioTrack(path=music),
        crf=CRF,
        preset=args.preset,
        name="kiln",
    )
    [video] = run_assembly(request, work_dir=out)
    return video.path


def run_moviepy(stills: list[Path], music: Path, out: Path, args: argparse.Namespace) -> Path:
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, concatenate_videoclips, vfx

    seconds = args.seconds

    def zoom_at(start: float, end: float) -> Callable[[float], float]:
        return lambda t: start * (end / start) ** (t / seconds)  # geometric, as kiln's

    clips = []
    for index, path in enumerate(stills):
        still = ImageClip(str(path), duration=seconds).with_effects([vfx.Resize((WIDTH, HEIGHT))])
        if index % 2 == 0:
            zoom = zoom_at(*ZOOM)
            moving = still.with_effects([vfx.Resize(zoom)]).with_position(
                lambda t, zoom=zoom: (WIDTH / 2 - 0.5 * WIDTH * zoom(t), HEIGHT / 2 - 0.5 * HEIGHT * zoom(t))
            )
        else:

            def pan(t: float) -> tuple[float, float]:
                centre = PAN[0] + (PAN[1] - PAN[0]) * t / seconds
                return WIDTH / 2 - centre * WIDTH * ZOOM[1], HEIGHT / 2 - 0.5 * HEIGHT * ZOOM[1]

            moving = still.with_effects([vfx.Resize(ZOOM[1])]).with_position(pan)
        shot = CompositeVideoClip([moving], size=(WIDTH, HEIGHT)).with_duration(seconds)
        if index:
            shot = shot.with_effects([vfx.CrossFadeIn(args.crossfade)])
        clips.append(shot)
    video = concatenate_videoclips(clips, method="compose", padding=-args.crossfade)
    video = video.with_audio(AudioFileClip(str(music)).with_duration(video.duration))
    target = out / "moviepy.mp4"
    video.write_videofile(
        str(target),
        fps=args.fps,
        codec="libx264",
        preset=args.preset,
        audio_codec="aac",
        temp_audiofile_path=str(out),
        ffmpeg_params=["-crf", str(CRF), "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        logger=None,
    )
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="each still's duration")
    parser.add_argument("--crossfade", type=float, default=0.5)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset for both (kiln's default: veryfast)")
    args = parser.parse_args()
    console = Console(width=120)
    try:
        import moviepy  # noqa: F401
    except ImportError:
        console.print("MoviePy is not installed; see this module's docstring for the command")
        raise SystemExit(1) from None
    with tempfile.TemporaryDirectory(prefix="kiln-bench-assembly-") as tmp:
        root = Path(tmp)
        stills = _stills(root, args.images)
        duration = args.images * args.seconds - (args.images - 1) * args.crossfade
        music = write_tone(root / "music.wav", seconds=duration, frequency=220, amplitude=0.2, rate=44100, channels=2)
        (root / "kiln").mkdir()
        (root / "moviepy").mkdir()
        results: dict[str, tuple[float, VideoInfo]] = {}
        renderers: dict[str, Renderer] = {"kiln": run_kiln, "MoviePy": run_moviepy}
        for name, render in renderers.items():
            started = time.perf_counter()
            path = render(stills, music, root / name.lower(), args)
            results[name] = (time.perf_counter() - started, probe_video(path))
        _report(console, results, duration, args)


def _report(
    console: Console, results: dict[str, tuple[float, VideoInfo]], planned: float, args: argparse.Namespace
) -> None:
    table = Table(
        "renderer",
        "wall s",
        "frames/s",
        "frames",
        "duration s",
        "fps",
        "codec",
        "audio",
        "MB",
        title=(
            f"{args.images} stills x {args.seconds:g} s at {WIDTH}x{HEIGHT}, {args.fps} fps, Ken Burns, "
            f"{args.crossfade:g} s crossfades, music; libx264 crf {CRF} preset {args.preset}"
        ),
    )
    for name, (seconds, info) in results.items():
        table.add_row(
            name,
            f"{seconds:.1f}",
            f"{info.frames / seconds:.1f}",
            str(info.frames),
            f"{info.duration:.3f}",
            f"{info.fps:g}",
            info.video_codec,
            str(info.audio_codec),
            f"{info.bytes / 1e6:.1f}",
        )
    kiln, moviepy = results["kiln"], results["MoviePy"]
    table.add_row("MoviePy / kiln", f"{moviepy[0] / kiln[0]:.2f}x", "", "", "", "", "", "", "")
    console.print(table)
    checks: dict[str, Any] = {
        "same frame count": kiln[1].frames == moviepy[1].frames,
        "same duration (within a frame)": math.isclose(kiln[1].duration, moviepy[1].duration, abs_tol=1 / args.fps),
        "duration as planned": math.isclose(kiln[1].duration, planned, abs_tol=1 / args.fps),
        "same fps": kiln[1].fps == moviepy[1].fps,
        "both have audio": kiln[1].has_audio and moviepy[1].has_audio,
    }
    for check, passed in checks.items():
        console.print(f"{'ok ' if passed else 'FAILED'} {check}")


if __name__ == "__main__":
    main()
