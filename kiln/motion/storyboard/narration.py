"""Making the missing narration lines with the text-to-speech engine (`kiln.media.tts`), one WAV per line.

The assembly later hears these lines through `CachedLines`, a speech engine that plays back the cached files, so
no line is ever spoken twice and an unchanged line survives any edit of the storyboard.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from kiln.errors import InvalidInput, KilnError
from kiln.media.tts import Speech, SpeechSynthesizer, wav_duration
from kiln.motion.storyboard.cache import NARRATION_FILE
from kiln.motion.storyboard.session import RenderSession

__all__ = ["CachedLines", "make_narration"]

_DEFAULTS_FIELDS = {"voice": "defaults.voice", "rate": "defaults.speech_rate"}


def make_narration(session: RenderSession, tts: SpeechSynthesizer) -> None:
    """Speak and cache every narration line of the plan that the cache lacks."""
    for asset in session.plan.narration_assets():
        if not session.missing(asset.key):
            continue
        session.check_stop(f"the narration {asset.text[:40]!r}")
        folder = session.cache.folder(asset.key)
        try:
            speech = tts.synthesize(asset.text, folder / "narration.partial.wav", voice=asset.voice, rate=asset.rate)
        except InvalidInput as exc:
            raise _located(exc, session, asset.key) from exc
        os.replace(speech.path, folder / NARRATION_FILE)
        metadata = {"text": asset.text, "voice": asset.voice, "rate": asset.rate, "duration": speech.duration}
        cached = session.cache.commit(asset.key, "narration", {"main": NARRATION_FILE}, metadata | {"engine": tts.name})
        session.made("narration", cached, f"narration {asset.text[:40]!r}")


def _located(exc: InvalidInput, session: RenderSession, key: str) -> InvalidInput:
    """The speech engine's complaint said of the storyboard: the defaults' field, or the scene's line."""
    if exc.field in _DEFAULTS_FIELDS:
        return InvalidInput(_DEFAULTS_FIELDS[exc.field], exc.message)
    scene = next(scene for scene in session.plan.scenes if scene.narration and scene.narration.key == key)
    return InvalidInput("narration", exc.message, where=scene.label)


class CachedLines:
    """A `SpeechSynthesizer` that 'speaks' a line by copying its cached WAV: what the assembly is given."""

    def __init__(self, name: str, lines: Mapping[str, Path]) -> None:
        self.name = name
        self._lines = dict(lines)

    def synthesize(self, text: str, path: Path, *, voice: str, rate: int) -> Speech:
        source = self._lines.get(text)
        if source is None:
            raise KilnError(f"no narration was made for the line {text[:60]!r}")
        shutil.copyfile(source, path)
        return Speech(path, wav_duration(path))
