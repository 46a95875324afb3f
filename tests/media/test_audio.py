"""Audio helpers: tone and silence WAVs, and durations read back with PyAV."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiln.media.audio import audio_duration, write_silence, write_tone


def read_samples(path: Path) -> tuple[np.ndarray[tuple[int, int], np.dtype[np.int16]], int]:
    with wave.open(str(path), "rb") as file:
        data = np.frombuffer(file.readframes(file.getnframes()), "<i2")
        return data.reshape(-1, file.getnchannels()), file.getframerate()


def test_tone_is_a_sine_of_the_right_length(tmp_path: Path) -> None:
    path = write_tone(tmp_path / "tone.wav", seconds=1.5, frequency=441.0, amplitude=0.5, rate=22050)
    samples, rate = read_samples(path)
    assert rate == 22050 and samples.shape == (33075, 1)
    assert int(np.abs(samples).max()) == pytest.approx(0.5 * 32767, rel=0.01)
    spectrum = np.abs(np.fft.rfft(samples[:, 0].astype(np.float64)))
    assert np.argmax(spectrum) * rate / len(samples) == pytest.approx(441.0, abs=1)
    assert audio_duration(path) == pytest.approx(1.5, abs=1e-3)


def test_silence_and_stereo(tmp_path: Path) -> None:
    samples, _ = read_samples(write_silence(tmp_path / "quiet.wav", seconds=0.25, rate=8000))
    assert samples.shape == (2000, 1) and not samples.any()
    stereo, rate = read_samples(write_tone(tmp_path / "st.wav", seconds=0.1, rate=44100, channels=2))
    assert rate == 44100 and stereo.shape == (4410, 2) and np.array_equal(stereo[:, 0], stereo[:, 1])


def test_bad_arguments_and_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_tone(tmp_path / "x.wav", seconds=1, amplitude=2)
    with pytest.raises(ValueError):
        write_tone(tmp_path / "x.wav", seconds=-1)
    Image.new("RGB", (8, 8)).save(tmp_path / "still.gif")
    with pytest.raises(ValueError, match="no audio track"):
        audio_duration(tmp_path / "still.gif")
