"""Text-to-speech with the real espeak-ng, engines by name (`KILN_TTS`, `module:Class`), and clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput, KilnError
from kiln.media.audio import write_tone
from kiln.media.tts import EspeakSynthesizer, Speech, SpeechSynthesizer, synthesizer, wav_duration
from kiln.motion.assembly.soundmix import decode_audio
from tests.conditions import needs_espeak


class ToneSpeaker:
    """A user's own engine, loaded as `tests.media.test_tts:ToneSpeaker`: a beep of 0.1 s per word."""

    name = "tone"

    def synthesize(self, text: str, path: Path, *, voice: str, rate: int) -> Speech:
        write_tone(path, seconds=0.1 * len(text.split()))
        return Speech(path, wav_duration(path))


@needs_espeak
def test_espeak_speaks_a_line_into_a_wav(tmp_path: Path) -> None:
    speech = EspeakSynthesizer().synthesize(
        "The lighthouse wakes at dusk.", tmp_path / "line.wav", voice="en", rate=165
    )
    assert speech.path == tmp_path / "line.wav" and speech.path.is_file()
    assert 1.0 < speech.duration < 5.0
    samples = decode_audio(speech.path)
    assert len(samples) / 48_000 == pytest.approx(speech.duration, abs=0.01)
    assert float(np.sqrt(np.mean(samples**2))) > 0.01  # speech, not silence


@needs_espeak
def test_longer_text_and_slower_rate_take_longer(tmp_path: Path) -> None:
    engine = EspeakSynthesizer()
    short = engine.synthesize("Hello.", tmp_path / "a.wav", voice="en", rate=165).duration
    long = engine.synthesize("Hello, and welcome to the harbour.", tmp_path / "b.wav", voice="en", rate=165).duration
    slow = engine.synthesize("Hello, and welcome to the harbour.", tmp_path / "c.wav", voice="en", rate=90).duration
    assert short < long < slow


@needs_espeak
def test_a_line_starting_with_a_dash_is_spoken_not_read_as_an_option(tmp_path: Path) -> None:
    speech = EspeakSynthesizer().synthesize("--help me", tmp_path / "dash.wav", voice="en", rate=165)
    assert speech.duration > 0.3


@needs_espeak
def test_unknown_voice_names_the_voice_field(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        EspeakSynthesizer().synthesize("Hello.", tmp_path / "x.wav", voice="xx-nope", rate=165)
    assert error.value.field == "voice" and "--voices" in error.value.message


def test_empty_line_and_bad_rate_are_refused(tmp_path: Path) -> None:
    engine = EspeakSynthesizer()
    with pytest.raises(InvalidInput) as empty:
        engine.synthesize("   ", tmp_path / "x.wav", voice="en", rate=165)
    assert empty.value.field == "narration"
    with pytest.raises(InvalidInput) as rate:
        engine.synthesize("Hello.", tmp_path / "x.wav", voice="en", rate=5)
    assert rate.value.field == "rate"


def test_missing_binary_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(KilnError, match="apt-get install espeak-ng"):
        EspeakSynthesizer("espeak-ng-not-here").synthesize("Hello.", tmp_path / "x.wav", voice="en", rate=165)


def test_engines_by_name_and_by_module_path(tmp_path: Path) -> None:
    assert isinstance(synthesizer("espeak-ng"), EspeakSynthesizer)
    own = synthesizer("tests.media.test_tts:ToneSpeaker")
    assert isinstance(own, SpeechSynthesizer) and own.name == "tone"
    assert own.synthesize("one two three", tmp_path / "t.wav", voice="en", rate=165).duration == pytest.approx(0.3)


@pytest.mark.parametrize("name", ["festival", "tests.media.test_tts:Nothing", "no_such_module:Engine", "os:getcwd"])
def test_unknown_or_unfit_engines_name_the_tts_setting(name: str) -> None:
    with pytest.raises(InvalidInput) as error:
        synthesizer(name)
    assert error.value.field == "tts"


def test_the_setting_defaults_to_espeak_and_reads_kiln_tts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().tts == "espeak-ng"
    monkeypatch.setenv("KILN_TTS", "tests.media.test_tts:ToneSpeaker")
    assert synthesizer(Settings().tts).name == "tone"
