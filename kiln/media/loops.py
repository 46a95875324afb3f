"""Seamless loops from a run of frames: a crossfade of the tail into the head, or a ping-pong.

`crossfade_loop(frames, overlap)` with N frames returns N - overlap: the first `overlap` frames become blends
that start almost entirely on the old tail and end almost entirely on the old head, followed by the untouched
middle. Played on repeat, the last frame (the one before the old tail) runs into the first (mostly the old tail's
first frame), and the blend hands over to the head gradually, so no cut is visible anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image

__all__ = ["crossfade_loop", "pingpong"]


def crossfade_loop(frames: Sequence[Image.Image], overlap: int) -> list[Image.Image]:
    """Blends the last `overlap` frames into the first ones; returns len(frames) - overlap frames.

    Blend i (0-based) is tail[i] * (1 - w) + head[i] * w with w = (i + 1) / (overlap + 1): the handover moves in
    even steps and never starts or ends on a pure copy, which would show as a held frame.
    """
    _check_frames(frames)
    if not 0 <= overlap <= len(frames) // 2:
        raise ValueError(f"overlap must be 0 to half the frames ({len(frames) // 2}), got {overlap}")
    if overlap == 0:
        return [frame.copy() for frame in frames]
    tail = frames[len(frames) - overlap :]
    blends = [Image.blend(tail[i], frames[i], (i + 1) / (overlap + 1)) for i in range(overlap)]
    return blends + [frame.copy() for frame in frames[overlap : len(frames) - overlap]]


def pingpong(frames: Sequence[Image.Image]) -> list[Image.Image]:
    """Plays forwards then backwards without doubling the turning frames: 0 1 2 3 -> 0 1 2 3 2 1 (which loops)."""
    _check_frames(frames)
    return [frame.copy() for frame in [*frames, *frames[-2:0:-1]]]


def _check_frames(frames: Sequence[Image.Image]) -> None:
    if not frames:
        raise ValueError("no frames")
    first = frames[0]
    for index, frame in enumerate(frames):
        if frame.size != first.size or frame.mode != first.mode:
            raise ValueError(
                f"frame {index} is {frame.mode} {frame.size[0]}x{frame.size[1]}, "
                f"frame 0 is {first.mode} {first.size[0]}x{first.size[1]}; all frames must match"
            )
