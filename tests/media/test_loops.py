"""Seamless loops: a crossfaded loop's last frame runs into its first; ping-pong plays back without repeats."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from kiln.media.loops import crossfade_loop, pingpong

STEP = 8


def ramp(count: int = 24) -> list[Image.Image]:
    """Frames that brighten by STEP each: a clip whose end is far from its start."""
    return [Image.new("RGB", (16, 16), (STEP * i, 100, 255 - STEP * i)) for i in range(count)]


def level(image: Image.Image) -> float:
    return float(np.asarray(image).astype(np.float64)[..., 0].mean())


def test_crossfade_loop_closes_the_seam() -> None:
    frames = ramp()
    assert abs(level(frames[-1]) - level(frames[0])) == STEP * 23
    looped = crossfade_loop(frames, overlap=6)
    assert len(looped) == 18
    assert abs(level(looped[-1]) - level(looped[0])) < 2 * STEP  # the last frame flows into the first
    levels = [level(frame) for frame in looped]
    jumps = [abs(b - a) for a, b in zip(levels, levels[1:] + levels[:1], strict=True)]
    assert max(jumps) < 2 * STEP  # no cut anywhere around the loop


def test_crossfade_blends_tail_into_head() -> None:
    frames = ramp()
    looped = crossfade_loop(frames, overlap=3)
    tail, head = STEP * 21, 0.0
    assert level(looped[0]) == pytest.approx(tail * 0.75 + head * 0.25, abs=1)
    assert level(looped[2]) == pytest.approx(STEP * 23 * 0.25 + STEP * 2 * 0.75, abs=1)
    assert [level(f) for f in looped[3:]] == [level(f) for f in frames[3:21]]


def test_crossfade_edges() -> None:
    frames = ramp(6)
    assert [level(f) for f in crossfade_loop(frames, 0)] == [level(f) for f in frames]
    assert len(crossfade_loop(frames, 3)) == 3
    with pytest.raises(ValueError, match="overlap"):
        crossfade_loop(frames, 4)
    with pytest.raises(ValueError, match="no frames"):
        crossfade_loop([], 0)
    with pytest.raises(ValueError, match="must match"):
        crossfade_loop([*frames, Image.new("RGB", (8, 8))], 1)


def test_pingpong() -> None:
    frames = ramp(4)
    assert [level(f) / STEP for f in pingpong(frames)] == [0, 1, 2, 3, 2, 1]
    assert len(pingpong(frames[:1])) == 1
    assert [level(f) / STEP for f in pingpong(frames[:2])] == [0, 1]
    assert pingpong(frames)[0] is not frames[0]
