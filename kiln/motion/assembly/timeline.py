"""The timeline: which frames each shot covers, where crossfades overlap, when narration lines play.

Everything is counted in whole frames, so the video's length is exact: a shot of `d` seconds covers
`round(d * fps)` frames, and a crossfade of `c` seconds makes the next shot start `round(c * fps)` frames before
this one ends (the two overlap, as in any editor): the video lasts the sum of the shots less the crossfades.

A narrated shot's line starts with the shot. The shot lasts at least its line plus `padding` plus its crossfade
into the next, so the next line never starts before this one has ended and the quiet has passed; a shot asked
to be shorter is lengthened (`ShotSpan.lengthened`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from kiln.errors import InvalidInput
from kiln.media.subtitles import Cue

__all__ = ["ShotSpan", "ShotTiming", "Timeline", "plan_timeline"]


@dataclass(frozen=True, slots=True)
class ShotTiming:
    """What the timeline needs to know of a shot, in seconds."""

    duration: float | None  # as asked; None: fit the narration line, or the clip's own length
    natural: float | None  # a clip's own length; None for a still
    speech: float  # the narration line's length; 0 without one
    crossfade: float  # overlap with the next shot; 0 for a cut (and for the last shot)


@dataclass(frozen=True, slots=True)
class ShotSpan:
    """Where a shot sits on the timeline, in frames."""

    index: int
    start: int  # its first frame
    frames: int  # how many frames it is seen, crossfades included
    fade_in: int  # its first frames, blended in over the previous shot
    fade_out: int  # its last frames, while the next shot fades in
    speech: float  # seconds of its narration line (from `start`), 0 without one
    lengthened: bool  # made longer than asked, to fit its narration line

    @property
    def end(self) -> int:
        return self.start + self.frames


@dataclass(frozen=True, slots=True)
class Timeline:
    """The planned video: spans in order, the frame rate and the quiet after each line."""

    fps: Fraction
    spans: tuple[ShotSpan, ...]
    padding: float

    @property
    def total_frames(self) -> int:
        return self.spans[-1].end

    @property
    def duration(self) -> float:
        return float(self.total_frames / self.fps)

    def seconds(self, frame: int) -> float:
        return float(frame / self.fps)

    def cues(self, lines: Sequence[str | None]) -> list[Cue]:
        """A subtitle per narrated shot: from the line's start until the quiet after it has passed."""
        cues = []
        for span, line in zip(self.spans, lines, strict=True):
            if line and span.speech > 0:
                start = self.seconds(span.start)
                cues.append(Cue(start, min(start + span.speech + self.padding, self.duration), line))
        return cues


def plan_timeline(timings: Sequence[ShotTiming], *, fps: Fraction, padding: float) -> Timeline:
    """Lays the shots end to end with their crossfades; raises `InvalidInput` naming the shot that cannot fit."""
    if not timings:
        raise InvalidInput("shots", "there are no shots; give at least one")
    frames = [_frames(index, timing, fps, padding) for index, timing in enumerate(timings)]
    fades = [max(1, round(t.crossfade * fps)) if t.crossfade > 0 else 0 for t in timings[:-1]] + [0]
    spans: list[ShotSpan] = []
    start = 0
    for index, ((count, lengthened), timing) in enumerate(zip(frames, timings, strict=True)):
        fade_in = fades[index - 1] if index else 0
        if fade_in + fades[index] > count:
            field = f"shots[{index if fades[index] else index - 1}].transition.duration"
            raise InvalidInput(
                field,
                f"shot {index} lasts {float(count / fps):g} s, less than its crossfades "
                f"({float((fade_in + fades[index]) / fps):g} s); shorten the crossfade or lengthen the shot",
            )
        spans.append(ShotSpan(index, start, count, fade_in, fades[index], timing.speech, lengthened))
        start += count - fades[index]
    return Timeline(fps, tuple(spans), padding)


def _frames(index: int, timing: ShotTiming, fps: Fraction, padding: float) -> tuple[int, bool]:
    """The shot's frame count, and whether its narration line made it longer than asked."""
    asked = timing.duration if timing.duration is not None else timing.natural
    needed = 0
    if timing.speech > 0:
        # a float product like 2.1 * 30 = 63.00000000000001 must not cost a whole frame
        needed = math.ceil((timing.speech + padding + timing.crossfade) * fps - 1e-6)
    if asked is None:
        if not needed:
            raise InvalidInput(f"shots[{index}].duration", "a still needs a duration (seconds) or a narration line")
        return needed, False
    count = max(1, round(asked * fps))
    return max(count, needed), needed > count
