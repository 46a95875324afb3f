"""Encoding with PyAV and Pillow, read back with probe_video: every format, audio, odd sizes, and refusals."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from kiln.media.audio import audio_duration, write_tone
from kiln.media.video import CONTENT_TYPES, EXTENSIONS, VideoFormat, encode_video, probe_video

FPS = 12
COUNT = 24
CODECS = {"mp4": "h264", "webm": "vp9", "gif": "gif", "webp": "webp"}


def moving_square(count: int = COUNT, size: tuple[int, int] = (48, 48)) -> list[Image.Image]:
    """Distinct frames (GIF and WebP writers merge identical neighbours): a bright square crossing a gradient."""
    width, height = size
    frames = []
    for index in range(count):
        data = np.zeros((height, width, 3), np.uint8)
        data[..., 0] = np.linspace(30, 200, width, dtype=np.uint8)[None, :]
        data[..., 2] = 120
        x = index * (width - 10) // max(count - 1, 1)
        data[height // 2 - 5 : height // 2 + 5, x : x + 10] = (250, 250, 60)
        frames.append(Image.fromarray(data))
    return frames


@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif", "webp"])
def test_encode_then_probe(tmp_path: Path, fmt: VideoFormat) -> None:
    path = tmp_path / f"clip{EXTENSIONS[fmt]}"
    written = encode_video(iter(moving_square()), path, fps=FPS, format=fmt)
    probed = probe_video(path)
    assert probed.content_type == written.content_type == CONTENT_TYPES[fmt]
    assert probed.video_codec == written.video_codec == CODECS[fmt]
    assert probed.frames == written.frames == COUNT
    assert probed.duration == pytest.approx(COUNT / FPS, abs=1 / FPS)
    assert probed.fps == pytest.approx(FPS, rel=0.02)
    assert (probed.width, probed.height) == (written.width, written.height) == (48, 48)
    assert not probed.has_audio and probed.audio_codec is None
    assert probed.bytes == written.bytes == path.stat().st_size > 0


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_stream_kinds_and_decoded_pictures(tmp_path: Path, fmt: VideoFormat) -> None:
    frames = moving_square()
    path = tmp_path / f"clip.{fmt}"
    encode_video(frames, path, fps=FPS, format=fmt)
    with av.open(str(path)) as container:
        assert [stream.type for stream in container.streams] == ["video"]
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        first = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(np.int64)
    assert np.abs(first - np.asarray(frames[0]).astype(np.int64)).mean() < 6


def test_mp4_is_faststart(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    encode_video(moving_square(), path, fps=FPS, format="mp4")
    data = path.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


@pytest.mark.parametrize(("fmt", "codec"), [("mp4", "aac"), ("webm", "opus")])
def test_audio_is_muxed_and_trimmed(tmp_path: Path, fmt: VideoFormat, codec: str) -> None:
    tone = write_tone(tmp_path / "tone.wav", seconds=5.0)  # longer than the 2 s video
    path = tmp_path / f"clip.{fmt}"
    written = encode_video(moving_square(), path, fps=FPS, format=fmt, audio=tone)
    probed = probe_video(path)
    assert written.has_audio and probed.has_audio
    assert written.audio_codec == probed.audio_codec == codec
    with av.open(str(path)) as container:
        assert sorted(stream.type for stream in container.streams) == ["audio", "video"]
    assert audio_duration(path) == pytest.approx(COUNT / FPS, abs=1 / FPS)
    assert probed.duration == pytest.approx(COUNT / FPS, abs=1 / FPS)


def test_odd_sizes(tmp_path: Path) -> None:
    frames = moving_square(size=(65, 33))
    mp4 = encode_video(frames, tmp_path / "odd.mp4", fps=FPS, format="mp4")
    assert (mp4.width, mp4.height) == (66, 34)  # H.264 4:2:0 needs even sides: one column and row added
    assert (probe_video(tmp_path / "odd.mp4").width, probe_video(tmp_path / "odd.mp4").height) == (66, 34)
    with av.open(str(tmp_path / "odd.mp4")) as container:
        decoded = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(np.int64)
    assert np.abs(decoded[:, 65] - decoded[:, 64]).mean() < 4  # the added column repeats the last one
    for fmt in ("webm", "gif", "webp"):
        info = encode_video(frames, tmp_path / f"odd.{fmt}", fps=FPS, format=fmt)
        assert (info.width, info.height) == (65, 33)
        assert (probe_video(tmp_path / f"odd.{fmt}").width, probe_video(tmp_path / f"odd.{fmt}").height) == (65, 33)


def test_rates_quality_and_bitrate(tmp_path: Path) -> None:
    frames = moving_square(count=16)
    gif = encode_video(frames, tmp_path / "a.gif", fps=24, format="gif")  # 4.17 cs a frame: rounded cumulatively
    assert probe_video(tmp_path / "a.gif").duration == pytest.approx(16 / 24, abs=0.01) == gif.duration
    ntsc = encode_video(frames, tmp_path / "a.mp4", fps=Fraction(30000, 1001), format="mp4", crf=30)
    assert probe_video(tmp_path / "a.mp4").fps == pytest.approx(29.97, abs=0.01) and ntsc.frames == 16
    small = encode_video(frames, tmp_path / "b.webm", fps=FPS, format="webm", bitrate="50k")
    assert probe_video(tmp_path / "b.webm").frames == 16 and small.bytes > 0
    low = encode_video(frames, tmp_path / "low.webp", fps=FPS, format="webp", quality=5)
    high = encode_video(frames, tmp_path / "high.webp", fps=FPS, format="webp", quality=95)
    assert low.bytes < high.bytes


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"format": "gif", "audio": "x.wav"}, "takes no crf, bitrate or audio"),
        ({"format": "webp", "crf": 20}, "takes no crf"),
        ({"format": "mp4", "quality": 80}, "quality is for webp"),
        ({"format": "mp4", "crf": 60}, "crf for mp4 goes from 0"),
        ({"format": "mp4", "crf": 20, "bitrate": "1M"}, "not both"),
        ({"format": "mp4", "bitrate": "fast"}, "bitrate"),
        ({"format": "gif", "fps": 60}, "at most 50 fps"),
        ({"format": "mp4", "fps": 0}, "fps must be a positive number"),
        ({"format": "mov"}, "format must be one of"),
    ],
)
def test_refusals(tmp_path: Path, kwargs: dict[str, object], fragment: str) -> None:
    arguments: dict[str, object] = {"fps": FPS, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        encode_video(moving_square(count=2), tmp_path / "out", **arguments)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif", "webp"])
def test_failed_encodes_leave_no_file(tmp_path: Path, fmt: VideoFormat) -> None:
    path = tmp_path / f"clip.{fmt}"
    with pytest.raises(ValueError, match="no frames"):
        encode_video([], path, fps=FPS, format=fmt)
    mixed = [*moving_square(count=3), Image.new("RGB", (20, 20))]
    with pytest.raises(ValueError, match="frame 3 is 20x20"):
        encode_video(mixed, path, fps=FPS, format=fmt)
    assert not path.exists()


def test_audio_without_an_audio_track_is_refused(tmp_path: Path) -> None:
    silent_video = tmp_path / "silent.mp4"
    encode_video(moving_square(count=4), silent_video, fps=FPS, format="mp4")
    with pytest.raises(ValueError, match="no audio track"):
        encode_video(moving_square(count=4), tmp_path / "out.mp4", fps=FPS, format="mp4", audio=silent_video)
    assert not (tmp_path / "out.mp4").exists()


def test_probe_refuses_audio_only_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no video stream"):
        probe_video(write_tone(tmp_path / "tone.wav", seconds=0.2))
