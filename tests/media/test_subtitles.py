"""Subtitles: SRT written and read back, and cues burned into frames (wrapped, bottom-centred, scaled)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiln.media.subtitles import Cue, burn_subtitle, parse_srt, subtitle_overlay, to_srt, write_srt

CUES = [Cue(0.0, 1.5, "The light comes on."), Cue(1.75, 3.25, "Boats head home,\nslowly.")]


def test_srt_round_trip(tmp_path: Path) -> None:
    path = write_srt(CUES, tmp_path / "video.srt")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,500\nThe light comes on.\n")
    assert "2\n00:00:01,750 --> 00:00:03,250\nBoats head home,\nslowly.\n" in text
    assert parse_srt(text) == CUES


def test_a_blank_line_inside_a_cue_is_dropped() -> None:
    """A blank line ends a cue in every player: the writer must not emit one."""
    [cue] = parse_srt(to_srt([Cue(0, 1, "first\n\nsecond")]))
    assert cue.text == "first\nsecond"


def _gradient(size: tuple[int, int]) -> Image.Image:
    width, height = size
    data = np.zeros((height, width, 3), np.uint8)
    data[..., 1] = np.linspace(40, 160, width, dtype=np.uint8)[None, :]
    data[..., 2] = 90
    return Image.fromarray(data)


def test_burning_changes_only_the_bottom_band() -> None:
    frame = _gradient((640, 360))
    burned = np.asarray(burn_subtitle(frame, "Hello there"), np.int16)
    original = np.asarray(frame, np.int16)
    changed_rows = np.nonzero(np.abs(burned - original).max(axis=(1, 2)) > 0)[0]
    assert changed_rows.size > 10
    assert changed_rows.min() > 360 * 0.75 and changed_rows.max() < 360 * 0.95
    assert (burned > 240).all(axis=2).any() and (burned < 15).all(axis=2).any()  # white text, black outline
    columns = np.nonzero(np.abs(burned - original).max(axis=(0, 2)) > 0)[0]
    assert abs((columns.min() + columns.max()) / 2 - 320) < 8  # centred


def test_long_text_wraps_within_the_frame() -> None:
    one_line = subtitle_overlay("Short line.", (320, 180))
    long_text = "A much longer line of narration that cannot possibly fit across a small frame in one go."
    wrapped = subtitle_overlay(long_text, (320, 180))
    assert wrapped.image.height >= 2 * one_line.image.height - 4  # two lines or more
    alpha = np.asarray(wrapped.image.getchannel("A"))
    columns = np.nonzero(alpha.max(axis=0))[0]
    assert columns.min() >= 320 * 0.05 - 2 and columns.max() <= 320 * 0.95 + 2
    assert wrapped.top + wrapped.image.height <= 180


@pytest.mark.parametrize(("small", "large"), [((640, 360), (1280, 720)), ((1280, 720), (3840, 2160))])
def test_text_scales_with_the_resolution(small: tuple[int, int], large: tuple[int, int]) -> None:
    ratio = large[1] / small[1]
    height_small = subtitle_overlay("Scale me", small).image.height
    height_large = subtitle_overlay("Scale me", large).image.height
    assert height_large / height_small == pytest.approx(ratio, rel=0.1)
