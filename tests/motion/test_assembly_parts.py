"""The assembly's parts: BT.709 planes, Ken Burns framing, the frame prefetch thread, and the sound mix."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from av.video.reformatter import ColorRange, Colorspace
from PIL import Image

from kiln.media.audio import write_tone
from kiln.media.motion import ken_burns_frames
from kiln.media.video import encode_video
from kiln.motion.assembly.planes import rgb_to_planes
from kiln.motion.assembly.render import prefetched
from kiln.motion.assembly.request import KenBurns
from kiln.motion.assembly.shots import Framing, still_frames
from kiln.motion.assembly.soundmix import MIX_RATE, Line, decode_audio, mix_soundtrack
from tests.conditions import wait_until


def _picture(width: int = 96, height: int = 64) -> Image.Image:
    y, x = np.mgrid[0:height, 0:width]
    data = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height) + 60], axis=-1)
    return Image.fromarray(data.astype(np.uint8))


def test_planes_match_ffmpegs_bt709_conversion_and_round_trip() -> None:
    image = _picture()
    planes = rgb_to_planes(image)
    reference = (
        av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24")
        .reformat(format="yuv420p", dst_colorspace=Colorspace.ITU709, dst_color_range=ColorRange.MPEG)
        .to_ndarray()
    )
    assert np.abs(reference[:64].astype(int) - np.asarray(planes.y)).max() <= 1
    frame = planes.to_video_frame()
    assert (frame.format.name, frame.colorspace, frame.color_range) == ("yuv420p", 1, 1)
    back = frame.reformat(format="rgb24", src_colorspace=Colorspace.ITU709, src_color_range=ColorRange.MPEG)
    assert np.abs(back.to_ndarray().astype(int) - np.asarray(image)).mean() < 2


def test_encode_video_takes_yuv_frames_as_they_are_and_tags_the_stream(tmp_path: Path) -> None:
    frames = [rgb_to_planes(_picture(64, 36).rotate(30 * i)).to_video_frame() for i in range(6)]
    info = encode_video(frames, tmp_path / "clip.mp4", fps=12, format="mp4", preset="ultrafast")
    assert (info.frames, info.width, info.height) == (6, 64, 36)
    with av.open(str(tmp_path / "clip.mp4")) as container:
        context = container.streams.video[0].codec_context
        assert (context.colorspace, context.color_range) == (Colorspace.ITU709, ColorRange.MPEG)
    assert encode_video(frames, tmp_path / "clip.gif", fps=12, format="gif").frames == 6
    with pytest.raises(ValueError, match="preset is for mp4"):
        encode_video(frames, tmp_path / "clip.webm", fps=12, format="webm", preset="fast")


def test_odd_sides_lose_a_row_or_column() -> None:
    planes = rgb_to_planes(_picture(97, 65))
    assert (planes.y.size, planes.cb.size) == ((96, 64), (48, 32))


def test_framing_moves_by_fractions_of_a_pixel_and_stays_inside() -> None:
    motion = KenBurns(start_zoom=1.0, end_zoom=1.5, start_center=(0.0, 0.5), end_center=(1.0, 0.5), easing="linear")
    framing = Framing((400, 300), (160, 90), motion, 48)
    boxes = [framing.box(i) for i in range(48)]
    assert boxes[0][0] == 0.0 and boxes[-1][2] == pytest.approx(400)  # edges reached, never crossed
    assert all(0 <= left < right <= 400 and 0 <= top < bottom <= 300 for left, top, right, bottom in boxes)
    lefts = [box[0] for box in boxes]
    assert all(b > a for a, b in itertools.pairwise(lefts))  # a pan from the edge moves at once
    assert any(left != round(left) for left in lefts)  # sub-pixel, not integer crops
    widths = [box[2] - box[0] for box in boxes]
    assert all(abs(w / h - 16 / 9) < 1e-9 for w, h in zip(widths, [box[3] - box[1] for box in boxes], strict=True))


def test_still_frames_frame_the_picture_as_ken_burns_frames_does(tmp_path: Path) -> None:
    image = _picture(400, 300)
    image.save(tmp_path / "still.png")
    motion = KenBurns(start_zoom=1.0, end_zoom=1.6, start_center=(0.3, 0.4), end_center=(0.7, 0.6))
    ours = list(still_frames(tmp_path / "still.png", (160, 90), motion, 6))
    reference = ken_burns_frames(
        image, frames=6, size=(160, 90), start_zoom=1.0, end_zoom=1.6, start_center=(0.3, 0.4), end_center=(0.7, 0.6)
    )
    for planes, expected in zip(ours, reference, strict=True):
        rgb = planes.to_video_frame().reformat(format="rgb24", src_colorspace=Colorspace.ITU709).to_ndarray()
        assert np.abs(rgb.astype(int) - np.asarray(expected)).mean() < 3


def test_prefetch_raises_the_producers_error_in_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise RuntimeError("bad frame")

    with pytest.raises(RuntimeError, match="bad frame"):
        list(prefetched(items()))


def test_a_consumer_that_stops_early_stops_the_producer() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            count = 0
            while True:
                yield count
                count += 1
        finally:
            closed.set()

    before = threading.active_count()
    ahead = prefetched(endless(), depth=2)
    assert [next(ahead) for _ in range(5)] == [0, 1, 2, 3, 4]
    ahead.close()
    assert closed.is_set()  # the generator was closed in the producer thread
    wait_until(lambda: threading.active_count() == before, what="the producer thread to end")


def test_music_is_looped_and_ducked_under_lines(tmp_path: Path) -> None:
    music = write_tone(tmp_path / "music.wav", seconds=1.0, frequency=300, amplitude=0.5, rate=44100, channels=2)
    line = write_tone(tmp_path / "line.wav", seconds=0.5, frequency=1000, amplitude=0.4, rate=22050)
    path = mix_soundtrack(
        tmp_path / "mix.wav", duration=3.0, music=music, lines=[Line(line, 1.25)], line_volume=1.0, duck=0.25
    )
    mix = decode_audio(path)
    assert len(mix) == 3 * MIX_RATE

    def level(start: float, end: float) -> float:
        part = mix[round(start * MIX_RATE) : round(end * MIX_RATE), 0]
        return float(np.sqrt(np.mean(part**2)))

    music_level = 0.5 / np.sqrt(2)
    assert level(0.2, 0.9) == pytest.approx(music_level, rel=0.05)
    assert level(2.2, 2.9) == pytest.approx(music_level, rel=0.05)  # looped past its 1 s
    spectrum = np.abs(np.fft.rfft(mix[round(1.35 * MIX_RATE) : round(1.65 * MIX_RATE), 0]))
    frequencies = np.fft.rfftfreq(round(0.3 * MIX_RATE), 1 / MIX_RATE)
    music_under_line = spectrum[np.abs(frequencies - 300) < 5].max()
    line_level = spectrum[np.abs(frequencies - 1000) < 5].max()
    assert line_level > 2.5 * music_under_line  # the line is on top, the music at a quarter
