"""Rendering the timeline: frames made in a thread of their own while the encoder compresses earlier ones.

Frame production is Pillow's C code and the encoder is libx264, and both release the GIL, so a producer thread
with a small bounded queue keeps the two busy at once without holding more than a few frames in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av

from kiln.media.subtitles import Cue
from kiln.media.video import VideoInfo, encode_video
from kiln.motion.assembly.planes import Overlay, Planes, blend, paste
from kiln.motion.assembly.timeline import Timeline

__all__ = ["EncodeSettings", "Subtitle", "prefetched", "render_video", "timeline_frames"]

T = TypeVar("T")
ShotFrames = Callable[[], Iterator[Planes]]  # opens a shot's frames when it comes on screen
QUEUE_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Subtitle:
    """A cue and its picture, ready to paste."""

    cue: Cue
    overlay: Overlay


@dataclass(frozen=True, slots=True)
class EncodeSettings:
    crf: int
    preset: str
    audio: Path | None


def timeline_frames(
    timeline: Timeline, shots: Sequence[ShotFrames], subtitles: Sequence[Subtitle] = ()
) -> Iterator[Planes]:
    """Every frame of the video: the shot on screen, or two blended during a crossfade, with its subtitle."""
    open_shots: dict[int, Iterator[Planes]] = {}  # in the order they came on screen
    next_shot = cue_index = 0
    try:
        for frame in range(timeline.total_frames):
            while next_shot < len(timeline.spans) and timeline.spans[next_shot].start == frame:
                open_shots[next_shot] = shots[next_shot]()
                next_shot += 1
            layers = [(timeline.spans[index], next(frames)) for index, frames in open_shots.items()]
            planes = layers[0][1]
            if len(layers) == 2:  # the newer shot fades in over the older one
                newer = layers[1][0]
                planes = blend(planes, layers[1][1], (frame - newer.start + 1) / (newer.fade_in + 1))
            seconds = timeline.seconds(frame)
            while cue_index < len(subtitles) and subtitles[cue_index].cue.end <= seconds:
                cue_index += 1
            if cue_index < len(subtitles) and subtitles[cue_index].cue.start <= seconds:
                planes = paste(planes, subtitles[cue_index].overlay)
            yield planes
            for span, _ in layers:
                if span.end == frame + 1:
                    _close(open_shots.pop(span.index))
    finally:
        for frames in open_shots.values():
            _close(frames)


class _End:
    """The producer has no more items."""


@dataclass(frozen=True, slots=True)
class _Failed:
    """The producer raised `error`."""

    error: BaseException


def prefetched(items: Iterator[T], depth: int = QUEUE_DEPTH) -> Generator[T]:
    """Yields `items`, produced in a thread up to `depth` ahead; the thread's errors are raised here."""
    buffer: queue.Queue[T | _End | _Failed] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: T | _End | _Failed) -> bool:
        while not stop.is_set():  # wait for room, but not once the consumer has gone
            try:
                buffer.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    break
            else:
                put(_End())
        except BaseException as exc:  # handed to the consumer, which raises it
            put(_Failed(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # in this thread, where the generator runs: shots release their files

    thread = threading.Thread(target=produce, name="kiln-assembly-frames", daemon=True)
    thread.start()
    try:
        while not isinstance(item := buffer.get(), _End):
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


def render_video(
    frames: Iterator[Planes],
    path: Path,
    *,
    fps: float | Fraction,
    settings: EncodeSettings,
    on_frame: Callable[[int], None],
) -> VideoInfo:
    """Encodes the frames to an MP4 at `path` (H.264 yuv420p, faststart, AAC); `on_frame(done)` after each frame.

    `on_frame` may raise (a stop): the producer thread is then stopped and the partial file removed.
    """
    with closing(prefetched(_video_frames(frames))) as ahead:

        def counted() -> Iterator[av.VideoFrame]:
            for done, frame in enumerate(ahead, start=1):
                yield frame
                on_frame(done)

        return encode_video(
            counted(), path, fps=fps, format="mp4", crf=settings.crf, preset=settings.preset, audio=settings.audio
        )


def _video_frames(frames: Iterator[Planes]) -> Generator[av.VideoFrame]:
    try:
        for planes in frames:
            yield planes.to_video_frame()
    finally:
        _close(frames)


def _close(frames: Iterator[Planes]) -> None:
    close = getattr(frames, "close", None)
    if close is not None:
        close()
