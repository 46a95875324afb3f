"""A shot's frames at the output size: a still with optional Ken Burns motion, or a video clip.

Each frame is a crop box in the source, resized to the output with Pillow's bicubic filter and a float box, so
motion moves by fractions of a pixel and never jitters. A still larger than the most zoomed-in view needs is
shrunk once first (Lanczos), so each frame resamples at about 1:1 instead of from the full picture. A shot
without motion is resampled once and its frame repeated.

A clip's frames are picked by time (the latest source frame at or before each output frame's time, so any
source frame rate plays at its own speed); past its end the last frame holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import av
from PIL import Image, ImageOps

from kiln.media.motion import ease
from kiln.motion.assembly.planes import Planes, from_video_frame, rgb_to_planes
from kiln.motion.assembly.request import ClipFit, KenBurns

__all__ = ["Framing", "clip_frames", "still_frames"]

Box = tuple[float, float, float, float]
_STILL = KenBurns(start_zoom=1.0, end_zoom=1.0)


class Framing:
    """The crop box of each of a shot's `frames` frames in a source of `source_size`, for an output of `size`.

    Zoom 1 is the largest crop with the output's aspect ratio; centres too near an edge for their zoom move
    inwards, so no frame shows space outside the picture (as in `kiln.media.motion.ken_burns_frames`).
    """

    def __init__(
        self, source_size: tuple[int, int], size: tuple[int, int], motion: KenBurns | None, frames: int
    ) -> None:
        self._motion = motion or _STILL
        self._frames = frames
        self._width, self._height = source_size
        aspect = size[0] / size[1]
        if self._width / self._height > aspect:
            self._base = (self._height * aspect, float(self._height))
        else:
            self._base = (float(self._width), self._width / aspect)
        ends = []  # each end's centre brought inside the picture first, so a pan from an edge moves at once
        for (u, v), zoom in (
            (self._motion.start_center, self._motion.start_zoom),
            (self._motion.end_center, self._motion.end_zoom),
        ):
            left, top, right, bottom = self._crop(u, v, zoom)
            ends.append(((left + right) / 2 / self._width, (top + bottom) / 2 / self._height))
        self._start, self._end = ends

    @property
    def still(self) -> bool:
        """Every frame has the same box."""
        return self._frames == 1 or (self._start == self._end and self._motion.start_zoom == self._motion.end_zoom)

    @property
    def base_width(self) -> float:
        """Source pixels across the widest view (zoom 1)."""
        return self._base[0]

    def box(self, index: int) -> Box:
        """The crop (left, top, right, bottom) of frame `index`."""
        motion = self._motion
        s = ease(index / (self._frames - 1), motion.easing) if self._frames > 1 else 0.0
        (u0, v0), (u1, v1) = self._start, self._end
        zoom = motion.start_zoom * (motion.end_zoom / motion.start_zoom) ** s
        return self._crop(u0 + (u1 - u0) * s, v0 + (v1 - v0) * s, zoom)

    def _crop(self, u: float, v: float, zoom: float) -> Box:
        crop_w, crop_h = min(self._base[0] / zoom, self._width), min(self._base[1] / zoom, self._height)
        left = min(max(u * self._width - crop_w / 2, 0.0), self._width - crop_w)
        top = min(max(v * self._height - crop_h / 2, 0.0), self._height - crop_h)
        # Pillow refuses a box past the edge, and left + width can overshoot it by a rounding error
        return left, top, min(left + crop_w, self._width), min(top + crop_h, self._height)


def still_frames(path: Path, size: tuple[int, int], motion: KenBurns | None, frames: int) -> Iterator[Planes]:
    """`frames` frames of the still at `path`, loaded when the first one is asked for."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")  # phone photos are stored sideways
    image = _shrunk(image, size, motion)
    planes = rgb_to_planes(image)
    framing = Framing(planes.size, size, motion, frames)
    if framing.still:
        frame = _view(planes, framing.box(0), size)
        for _ in range(frames):
            yield frame
        return
    for index in range(frames):
        yield _view(planes, framing.box(index), size)


def clip_frames(
    path: Path,
    size: tuple[int, int],
    motion: KenBurns | None,
    frames: int,
    fps: float,
    *,
    fit: ClipFit = "hold",
    length: float | None = None,
) -> Iterator[Planes]:
    """`frames` frames of the clip at `path` at `fps`. Past the clip's end (`length` seconds), `fit` holds its
    last frame, plays it again from the start, or (`stretch`) the clip is slowed to last the `frames`."""
    shown = frames / fps
    if length is None or length <= 0 or shown <= length or fit == "hold":
        yield from _clip_run(path, size, motion, frames, fps, 0, 1.0)
        return
    if fit == "stretch":
        yield from _clip_run(path, size, motion, frames, fps, 0, length / shown)
        return
    done = 0
    while done < frames:  # loop: the clip again from its first frame, for as long as it lasts
        count = min(frames - done, max(1, math.floor(length * fps + 1e-6)))
        yield from _clip_run(path, size, motion, count, fps, done, 1.0, total=frames)
        done += count


def _clip_run(
    path: Path,
    size: tuple[int, int],
    motion: KenBurns | None,
    frames: int,
    fps: float,
    offset: int,
    speed: float,
    *,
    total: int | None = None,
) -> Iterator[Planes]:
    """`frames` frames from the clip's start at `speed` (1 is as made), framed as frames `offset`… of a shot of
    `total` frames (Ken Burns moves over the whole shot)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        decoded = container.decode(stream)
        current = next(decoded, None)
        if current is None:
            raise ValueError(f"{path} has no video frames")
        upcoming = next(decoded, None)
        origin = current.time or 0.0
        planes = from_video_frame(current)
        framing = Framing(planes.size, size, motion, total or frames)
        last: tuple[int, Planes] | None = None  # (source frame number, its view) while the framing is still
        source_index = 0
        for index in range(frames):
            moment = origin + index * speed / fps + 1e-6
            while upcoming is not None and (upcoming.time or 0.0) <= moment:
                current, upcoming, source_index = upcoming, next(decoded, None), source_index + 1
                planes = from_video_frame(current)
            if framing.still and last is not None and last[0] == source_index:
                yield last[1]
                continue
            view = _view(planes, framing.box(offset + index), size)
            last = (source_index, view)
            yield view


def _shrunk(image: Image.Image, size: tuple[int, int], motion: KenBurns | None) -> Image.Image:
    """The still shrunk so that its most zoomed-in view is about the output's size (never enlarged)."""
    max_zoom = max(motion.start_zoom, motion.end_zoom) if motion else 1.0
    base_width = Framing(image.size, size, None, 1).base_width
    scale = size[0] * max_zoom / base_width
    if scale >= 1:
        return image
    target = (max(2, math.ceil(image.width * scale)), max(2, math.ceil(image.height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _view(planes: Planes, box: Box, size: tuple[int, int]) -> Planes:
    """The crop `box` of the planes, resized to `size`."""
    width, height = size
    half = (box[0] / 2, box[1] / 2, box[2] / 2, box[3] / 2)
    bicubic = Image.Resampling.BICUBIC
    return Planes(
        planes.y.resize((width, height), bicubic, box=box),
        planes.cb.resize((width // 2, height // 2), bicubic, box=half),
        planes.cr.resize((width // 2, height // 2), bicubic, box=half),
    )
