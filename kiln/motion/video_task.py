"""The video runner: `run_video(request, *, models, work_dir, control)`, following `kiln.motion.task`.

A video is one or more segments (`kiln.motion.video_plan`). Each segment is rendered on its own
(`render_segment`: one pipeline call, starting from the previous segment's last frame) and saved in `work_dir`
(`kiln.motion.video_folder`), so a stopped or crashed run, called again on the same folder, renders only the missing
ones. `join_segments` then streams the saved frames through the seam joiner, the loop, the enhancement and the
encoder into one file. The job layer can run one segment per item with the same two functions. A sound model's
segments keep their audio (`render_clip`); joined, it becomes the video's sound track unless the request gives one.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path

import av
from PIL import Image

from kiln.engine.video import GeneratedClip, generate_clips
from kiln.errors import Cancelled, InvalidInput
from kiln.media.clip_audio import ClipAudio, read_wav, write_wav
from kiln.media.enhance import enhance_frame
from kiln.media.loops import crossfade_loop, pingpong
from kiln.media.video import EXTENSIONS, encode_video
from kiln.motion.seams import DEFAULT_SEAM_FRAMES, join_clips
from kiln.motion.task import ModelSource, TaskControl, TaskOutput, encoding_failed
from kiln.motion.video_folder import VideoFolder
from kiln.motion.video_plan import VideoPlan
from kiln.motion.video_request import VideoRequest

__all__ = ["join_segments", "render_clip", "render_segment", "run_video"]

_GENERATED_TRACK = "generated-audio.wav"


def run_video(request: VideoRequest, *, models: ModelSource, work_dir: Path, control: TaskControl) -> list[TaskOutput]:
    """Render every segment not yet saved in `work_dir`, then join and encode them into one video file."""
    folder = VideoFolder(work_dir)
    plan = folder.plan(request)
    keys = folder.keys(plan)
    count, steps = len(plan.segments), plan.segments[0].steps
    for index, item in enumerate(plan.segments):
        if folder.has(index, keys[index]):
            continue
        if control.should_stop():
            raise Cancelled(f"stopped with {index} of {count} segments saved; run again on {work_dir} to continue")
        start = folder.last_frame_path(index - 1) if index else None
        overall = _Overall(control, index * steps, count * steps)
        clip = render_clip(plan, index, start_image=start, models=models, control=overall)
        meta = {"item": item.to_dict(), "start_image": None if start is None else start.name}
        folder.save(index, keys[index], clip.images(), meta, clip.audio)
    control.progress(count * steps, count * steps, "encoding")
    sound = [folder.audio_path(index) for index in range(count)]
    tracks = [path for path in sound if path is not None]
    frames = [folder.frame_paths(index) for index in range(count)]
    return [join_segments(plan, frames, work_dir, sound=tracks if len(tracks) == count else None)]


def render_segment(
    plan: VideoPlan,
    index: int,
    *,
    start_image: str | os.PathLike[str] | None,
    models: ModelSource,
    control: TaskControl,
) -> list[Image.Image]:
    """Segment `index`'s frames (see `render_clip`)."""
    return render_clip(plan, index, start_image=start_image, models=models, control=control).images()


def render_clip(
    plan: VideoPlan,
    index: int,
    *,
    start_image: str | os.PathLike[str] | None,
    models: ModelSource,
    control: TaskControl,
) -> GeneratedClip:
    """Segment `index`'s clip (its frames, and its audio from a sound model). `start_image`: for a later segment, the
    previous segment's last frame (a local file); for the first, None (the request's own input image, if any, is used).
    Progress is reported per step and a stop is honoured between steps (`Cancelled`)."""
    if not 0 <= index < len(plan.segments):
        raise IndexError(f"segment {index} of a {len(plan.segments)}-segment plan")
    item = plan.segments[index]
    if index > 0:
        if start_image is None:
            raise InvalidInput("image", f"segment {index + 1} starts from the last frame of the one before; give it")
        item = replace(item, image=os.fspath(start_image))
    label = f"segment {index + 1}/{len(plan.segments)}"
    [clip] = generate_clips(
        models.model(item.model, plan.request.family if item.model == plan.request.model else None),
        [item],
        on_step=lambda step, steps: control.progress(step, steps, f"{label}, step {step}/{steps}"),
        should_cancel=control.should_stop,
    )
    return clip


def join_segments(
    plan: VideoPlan, segments: Sequence[Sequence[Path]], out_dir: Path, *, sound: Sequence[Path] | None = None
) -> TaskOutput:
    """Join the segments' saved frames (in order) without seams, loop, enhance and encode them into `out_dir`.
    `sound`: each segment's generated audio (WAV), muxed as the video's track when the request gives none."""
    if len(segments) != len(plan.segments):
        raise ValueError(f"{len(segments)} segments given, the plan has {len(plan.segments)}")
    request = plan.request
    audio = request.audio
    if audio is None and sound is not None and request.format in ("mp4", "webm"):
        audio = os.fspath(_generated_track(plan, sound, out_dir / _GENERATED_TRACK))
    joined = join_clips(
        (_read(paths) for paths in segments),
        total=plan.content_frames,
        seam_frames=min(DEFAULT_SEAM_FRAMES, plan.segment_frames - 1),
    )
    frames = _looped(joined, plan)
    if request.enhance.active:
        smooth, sharpen = request.enhance.smooth, request.enhance.sharpen
        frames = (enhance_frame(frame, smooth=smooth, sharpen=sharpen) for frame in frames)
    name = (request.name or f"video-{plan.seed}") + EXTENSIONS[request.format]
    path = out_dir / name
    try:
        info = encode_video(
            frames,
            path,
            fps=plan.fps,
            format=request.format,
            crf=request.crf,
            bitrate=request.bitrate,
            audio=audio,
        )
    except (av.FFmpegError, ValueError, OSError) as exc:
        path.unlink(missing_ok=True)
        raise encoding_failed(exc, path, f"the {len(plan.segments)} generated segments") from exc
    metadata = {
        **plan.recipe(),
        "bytes": info.bytes,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "has_audio": info.has_audio,
        "audio_source": None if audio is None else ("request" if audio == request.audio else "generated"),
    }
    return TaskOutput.of_video(path, info, metadata=metadata)


def _generated_track(plan: VideoPlan, sound: Sequence[Path], target: Path) -> Path:
    """The segments' audio joined as their frames are (a later segment's first frame, a repeat, is dropped), then
    fitted to the finished video (a loop plays the track once, then silence)."""
    if len(sound) != len(plan.segments):
        raise ValueError(f"{len(sound)} sound tracks given, the plan has {len(plan.segments)}")
    frame = 1 / plan.fps
    parts = [read_wav(path) if index == 0 else read_wav(path).without_start(frame) for index, path in enumerate(sound)]
    return write_wav(target, ClipAudio.joined(parts).fitted(plan.frames / plan.fps))


def _looped(frames: Iterator[Image.Image], plan: VideoPlan) -> Iterator[Image.Image]:
    """The loop. Crossfade streams: it holds the first `loop_frames`, plays the rest, and ends on the tail
    blended into them, so the last frame runs into the first shown (the cycle `crossfade_loop` makes, started
    after its blends). Ping-pong plays the frames back, so it holds them all."""
    loop = plan.request.loop
    if loop == "pingpong":
        yield from pingpong(list(frames))
        return
    if loop == "none":
        yield from frames
        return
    overlap = plan.loop_frames
    head = list(islice(frames, overlap))
    middle = plan.content_frames - 2 * overlap
    yield from islice(frames, middle)
    tail = list(frames)
    yield from crossfade_loop([*head, *tail], overlap)


def _read(paths: Iterable[Path]) -> Iterator[Image.Image]:
    for path in paths:
        with Image.open(path) as image:
            yield image.convert("RGB")


class _Overall:
    """A segment's control, reporting steps as progress over the whole video."""

    def __init__(self, control: TaskControl, done: int, total: int) -> None:
        self._control, self._done, self._total = control, done, total

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._control.progress(self._done + done, self._total, message)

    def should_stop(self) -> bool:
        return self._control.should_stop()
