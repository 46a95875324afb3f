"""One 1080p slideshow rendered by kiln's assembly and by MoviePy 2, in one run: 8 stills of 3 s with a Ken Burns
zoom or pan each, 0.5 s crossfades and a music track as long as the video. Both write H.264 (libx264, yuv420p,
the same CRF and preset) with AAC audio; PyAV reads both back to check that duration, frame count and fps agree,
and compares their frames at the same timestamps (PSNR), so the two did the same work.

Each renderer first makes a short warm-up slideshow (imports, encoder start-up and caches out of the way), then
the slideshow is rendered `--rounds` times, alternating which renderer goes first; the table gives each one's
median wall time (and every round's).

    .venv/bin/python -m bench.assembly [--images 8] [--seconds 3] [--crossfade 0.5] [--fps 24] [--preset veryfast]
        [--rounds 3]

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
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
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
LOOK_ALIKE_DB = 30.0  # the same pictures through two resamplers and two encodes; a misplaced shot is far below
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
    span = seconds - 1 / args.fps  # as kiln's: the motion ends on the shot's last frame, not a frame after it

    def zoom_at(start: float, end: float) -> Callable[[float], float]:
        return lambda t: start * (end / start) ** min(1.0, t / span)  # geometric, as kiln's

    clips = []
    for index, path in enumerate(stills):
        # an opaque mask of its own, resized with the picture: without one, CompositeVideoClip gives the zooming clip
        # a mask of its first frame's size, and the part of the picture beyond it turns black as the zoom grows
        still = ImageClip(str(path), duration=seconds).with_effects([vfx.Resize((WIDTH, HEIGHT))]).with_mask()
        if index % 2 == 0:
            zoom = zoom_at(*ZOOM)
            moving = still.with_effects([vfx.Resize(zoom)]).with_position(
                lambda t, zoom=zoom: (WIDTH / 2 - 0.5 * WIDTH * zoom(t), HEIGHT / 2 - 0.5 * HEIGHT * zoom(t))
            )
        else:

            def pan(t: float) -> tuple[float, float]:
                centre = PAN[0] + (PAN[1] - PAN[0]) * min(1.0, t / span)
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


def _frames(path: Path) -> Iterator[tuple[float, npt.NDArray[np.uint8]]]:
    """The video's frames as RGB arrays, with their presentation times in seconds."""
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            assert frame.time is not None
            yield frame.time, np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def compare(first: Path, second: Path, fps: float) -> tuple[float, float, int]:
    """(PSNR of all compared frames together, the lowest frame's PSNR, frames compared), in dB, over the frames of
    both videos at the same timestamp (to the nearest frame), decoded in step rather than held in memory."""
    squared, lowest, count = 0.0, math.inf, 0
    a, b = _frames(first), _frames(second)
    left, right = next(a, None), next(b, None)
    while left is not None and right is not None:
        slot_a, slot_b = round(left[0] * fps), round(right[0] * fps)
        if slot_a == slot_b:
            mse = float(np.mean((left[1].astype(np.float32) - right[1].astype(np.float32)) ** 2))
            squared, count = squared + mse, count + 1
            lowest = min(lowest, _psnr(mse))
        if slot_a <= slot_b:
            left = next(a, None)
        if slot_b <= slot_a:
            right = next(b, None)
    assert count, "no frames at the same timestamps"
    return _psnr(squared / count), lowest, count


def _psnr(mse: float) -> float:
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="each still's duration")
    parser.add_argument("--crossfade", type=float, default=0.5)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset for both (kiln's default: veryfast)")
    parser.add_argument("--rounds", type=int, default=3, help="timed renders of each, alternating which goes first")
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
        renderers: dict[str, Renderer] = {"kiln": run_kiln, "MoviePy": run_moviepy}
        warm_up = argparse.Namespace(**{**vars(args), "seconds": 1.0, "crossfade": 0.25})
        for name, render in renderers.items():
            (root / f"warm-{name}").mkdir()
            render(stills[:2], music, root / f"warm-{name}", warm_up)
        times: dict[str, list[float]] = {name: [] for name in renderers}
        paths: dict[str, Path] = {}
        for round_ in range(args.rounds):
            order = list(renderers) if round_ % 2 == 0 else list(reversed(renderers))
            console.print(f"round {round_ + 1} of {args.rounds}: {' then '.join(order)}")
            for name in order:
                out = root / f"{name}-{round_}"
                out.mkdir()
                started = time.perf_counter()
                paths[name] = renderers[name](stills, music, out, args)
                times[name].append(time.perf_counter() - started)
        results = {name: (times[name], probe_video(paths[name])) for name in renderers}
        likeness = compare(paths["kiln"], paths["MoviePy"], args.fps)
        _report(console, results, likeness, duration, args)


def _report(
    console: Console,
    results: dict[str, tuple[list[float], VideoInfo]],
    likeness: tuple[float, float, int],
    planned: float,
    args: argparse.Namespace,
) -> None:
    table = Table(
        "renderer",
        "median wall s",
        "rounds s",
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
    medians = {name: statistics.median(times) for name, (times, _) in results.items()}
    for name, (times, info) in results.items():
        seconds = medians[name]
        table.add_row(
            name,
            f"{seconds:.2f}",
            ", ".join(f"{t:.2f}" for t in times),
            f"{info.frames / seconds:.1f}",
            str(info.frames),
            f"{info.duration:.3f}",
            f"{info.fps:g}",
            info.video_codec,
            str(info.audio_codec),
            f"{info.bytes / 1e6:.1f}",
        )
    kiln, moviepy = results["kiln"], results["MoviePy"]
    table.add_row("MoviePy / kiln", f"{medians['MoviePy'] / medians['kiln']:.2f}x", "", "", "", "", "", "", "", "")
    console.print(table)
    overall, lowest, compared = likeness
    console.print(
        f"kiln vs MoviePy: PSNR {overall:.1f} dB over {compared} frames at the same timestamps "
        f"(lowest frame {lowest:.1f} dB)"
    )
    checks: dict[str, Any] = {
        "same frame count": kiln[1].frames == moviepy[1].frames,
        "same duration (within a frame)": math.isclose(kiln[1].duration, moviepy[1].duration, abs_tol=1 / args.fps),
        "duration as planned": math.isclose(kiln[1].duration, planned, abs_tol=1 / args.fps),
        "same fps": kiln[1].fps == moviepy[1].fps,
        "both have audio": kiln[1].has_audio and moviepy[1].has_audio,
        f"every frame compared ({compared})": compared == kiln[1].frames == moviepy[1].frames,
        f"they look alike (PSNR ≥ {LOOK_ALIKE_DB:g} dB)": overall >= LOOK_ALIKE_DB,
    }
    for check, passed in checks.items():
        console.print(f"{'ok ' if passed else 'FAILED'} {check}")


if __name__ == "__main__":
    main()
