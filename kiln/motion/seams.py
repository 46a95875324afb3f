"""Joining chained clips without a visible seam.

Clip i > 0 was generated from the last frame shown of clip i - 1, so its own first frame is that picture again,
as the model redrew it: it is dropped. What the redraw changed (a shift of colour or brightness, a small
displacement) would still show as a jump between the two clips, so that difference is added back to clip i's
first `seam_frames` frames, fully at the start and fading out linearly: the jump is spread evenly over
`seam_frames + 1` frame steps instead of falling on one. Frames stream through one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["DEFAULT_SEAM_FRAMES", "join_clips"]

DEFAULT_SEAM_FRAMES = 8
Pixels = npt.NDArray[np.float32]


def join_clips(
    clips: Iterable[Iterable[Image.Image]], *, total: int | None = None, seam_frames: int = DEFAULT_SEAM_FRAMES
) -> Iterator[Image.Image]:
    """The clips' frames as one run (RGB), the first `total` of them (all without `total`)."""
    if seam_frames < 0:
        raise ValueError(f"seam_frames must be 0 or more, got {seam_frames}")
    shown = 0
    last: Pixels | None = None  # the last frame shown
    for clip in clips:
        frames = iter(clip)
        first = next(frames, None)
        if first is None:
            raise ValueError("a clip has no frames")
        if last is None:
            offset, run = None, _prepend(first, frames)
        else:
            offset, run = last - _pixels(first), frames
        for step, frame in enumerate(run, start=1):
            if total is not None and shown >= total:
                return
            pixels = _pixels(frame)
            weight = 0.0 if offset is None else max(0.0, 1.0 - step / (seam_frames + 1))
            if offset is not None and weight > 0.0:
                pixels = np.clip(np.rint(pixels + weight * offset), 0, 255)
            last = pixels
            shown += 1
            yield Image.fromarray(pixels.astype(np.uint8))


def _prepend(first: Image.Image, rest: Iterator[Image.Image]) -> Iterator[Image.Image]:
    yield first
    yield from rest


def _pixels(image: Image.Image) -> Pixels:
    return np.asarray(image.convert("RGB"), dtype=np.float32)
