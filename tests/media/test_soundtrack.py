"""Audio under video: WAV, MP3 and AAC sources, resampled and re-encoded, cut to the video's length."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import pytest
from PIL import Image

from kiln.media.audio import audio_duration, write_tone
from kiln.media.soundtrack import Soundtrack
from kiln.media.video import VideoFormat, encode_video

FPS = 12
FRAMES = [Image.new("RGB", (32, 32), (8 * i, 90, 160)) for i in range(18)]  # 1.5 s


def transcode(source: Path, target: Path, container_format: str, codec: Literal["libmp3lame", "aac"]) -> Path:
    """Re-encodes a WAV as MP3 or AAC with PyAV, to have such sources at hand."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format=container_format) as out:
        stream = out.add_stream(codec, rate=inp.streams.audio[0].rate, layout="stereo")
        for frame in inp.decode(audio=0):
            frame.pts = None
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return target


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("audio")
    wav = write_tone(folder / "tone.wav", seconds=3.0, rate=44100, channels=2)
    return {
        "wav": wav,
        "mono-wav": write_tone(folder / "mono.wav", seconds=3.0, rate=22050),
        "mp3": transcode(wav, folder / "tone.mp3", "mp3", "libmp3lame"),
        "aac": transcode(wav, folder / "tone.aac", "adts", "aac"),
        "m4a": transcode(wav, folder / "tone.m4a", "ipod", "aac"),
    }


@pytest.mark.parametrize("source", ["wav", "mono-wav", "mp3", "aac", "m4a"])
@pytest.mark.parametrize(("fmt", "codec", "rates"), [("mp4", "aac", (44100, 22050)), ("webm", "opus", (48000,))])
def test_sources_are_reencoded_and_cut(
    tmp_path: Path, sources: dict[str, Path], source: str, fmt: VideoFormat, codec: str, rates: tuple[int, ...]
) -> None:
    path = tmp_path / f"clip.{fmt}"
    encode_video(FRAMES, path, fps=FPS, format=fmt, audio=sources[source])
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == codec and stream.rate in rates
        assert stream.channels == (1 if source == "mono-wav" else 2)
    assert audio_duration(path) == pytest.approx(1.5, abs=1 / FPS)


def test_short_audio_ends_early(tmp_path: Path) -> None:
    short = write_tone(tmp_path / "short.wav", seconds=0.5)
    for fmt in ("mp4", "webm"):
        path = tmp_path / f"clip.{fmt}"
        encode_video(FRAMES, path, fps=FPS, format=fmt, audio=short)
        assert audio_duration(path) == pytest.approx(0.5, abs=0.03)


def test_cut_is_sample_exact(tmp_path: Path) -> None:
    tone = write_tone(tmp_path / "tone.wav", seconds=2.0, rate=22050)
    with av.open(str(tmp_path / "out.mp4"), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        track = Soundtrack(container, tone, "aac")
        track.write_until(Fraction(1, 2))
        assert track.samples_written <= 11025  # whole frames that end by 0.5 s, no more
        track.finish(Fraction(7, 6))
    assert track.samples_written == round(22050 * 7 / 6)
