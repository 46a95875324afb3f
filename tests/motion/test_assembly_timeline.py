"""The assembly's timeline, a pure plan in whole frames: crossfades overlap, narrated shots fit their lines."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kiln.errors import InvalidInput
from kiln.motion.assembly.timeline import ShotTiming, plan_timeline

FPS = Fraction(24)


def shot(
    duration: float | None = 2.0, *, speech: float = 0.0, crossfade: float = 0.0, natural: float | None = None
) -> ShotTiming:
    return ShotTiming(duration=duration, natural=natural, speech=speech, crossfade=crossfade)


def test_crossfades_overlap_the_shots() -> None:
    timeline = plan_timeline([shot(3, crossfade=0.5), shot(3, crossfade=1.0), shot(3)], fps=FPS, padding=0.5)
    assert [(s.start, s.frames, s.fade_in, s.fade_out) for s in timeline.spans] == [
        (0, 72, 0, 12),
        (60, 72, 12, 24),
        (108, 72, 24, 0),
    ]
    assert timeline.total_frames == 3 * 72 - 12 - 24
    assert timeline.duration == pytest.approx(9 - 1.5)


def test_cuts_butt_the_shots_end_to_end() -> None:
    timeline = plan_timeline([shot(1.0), shot(0.5), shot(2.25)], fps=FPS, padding=0.5)
    assert [s.start for s in timeline.spans] == [0, 24, 36]
    assert timeline.total_frames == 24 + 12 + 54


def test_a_narrated_shot_lasts_its_line_plus_padding_plus_its_crossfade() -> None:
    timeline = plan_timeline(
        [shot(1.0, speech=2.2, crossfade=0.5), shot(None, speech=1.0), shot(4.0, speech=1.0)], fps=FPS, padding=0.5
    )
    first, second, third = timeline.spans
    assert first.frames == 77 and first.lengthened  # ceil((2.2 + 0.5 + 0.5) * 24), not the 24 asked
    assert second.frames == 36 and not second.lengthened  # no duration: the line plus padding
    assert third.frames == 96 and not third.lengthened  # long enough already
    # each line has ended, and the quiet passed, before the next shot (and its line) begins
    for span, after in zip(timeline.spans, timeline.spans[1:], strict=False):
        assert span.start / 24 + span.speech + 0.5 <= after.start / 24 + 1e-9


def test_a_clip_without_duration_keeps_its_own_length() -> None:
    timeline = plan_timeline([shot(None, natural=1.5), shot(None, natural=0.5, speech=1.0)], fps=FPS, padding=0.25)
    assert [s.frames for s in timeline.spans] == [36, 30]
    assert timeline.spans[1].lengthened  # the clip is shorter than its line: its last frame holds


def test_cues_follow_the_narrated_shots() -> None:
    timeline = plan_timeline([shot(2, speech=1.0, crossfade=0.5), shot(2), shot(2, speech=0.5)], fps=FPS, padding=0.25)
    cues = timeline.cues(["First line.", None, "Last line."])
    assert [(c.text, c.start, c.end) for c in cues] == [
        ("First line.", 0.0, 1.25),
        ("Last line.", pytest.approx(3.5), pytest.approx(4.25)),
    ]


def test_a_still_without_duration_or_line_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        plan_timeline([shot(1.0), shot(None)], fps=FPS, padding=0.5)
    assert error.value.field == "shots[1].duration"


def test_a_crossfade_longer_than_a_shot_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        plan_timeline([shot(1.0, crossfade=0.75), shot(1.0, crossfade=0.5), shot(1.0)], fps=FPS, padding=0.5)
    assert error.value.field == "shots[1].transition.duration"
    assert "shorten the crossfade" in error.value.message
