"""A real assembly read back with PyAV: two stills (Ken Burns, a crossfade) and a clip, narration by espeak-ng,
music ducked under it, subtitles written and burned in. Plus presets, resuming, stopping and bad files."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from kiln.errors import Cancelled, InvalidInput
from kiln.media.audio import write_tone
from kiln.media.subtitles import Cue, parse_srt
from kiln.media.tts import EspeakSynthesizer, Speech
from kiln.media.video import encode_video, probe_video
from kiln.motion.assembly import AssemblyRequest, parse_request, run_assembly
from kiln.motion.assembly.soundmix import MIX_RATE, decode_audio
from kiln.motion.task import TaskOutput
from tests.conditions import needs_espeak

pytestmark = needs_espeak

FPS = 12
SIZE = (320, 180)
PADDING = 0.25
LINES = ("The harbour wakes.", "Boats slip out to sea.")
CLIP_COLOUR = (40, 200, 60)
MUSIC_HZ = 220.0

Pixels = npt.NDArray[np.uint8]


def _still(path: Path, size: tuple[int, int], tint: int) -> Path:
    width, height = size
    data = np.zeros((height, width, 3), np.uint8)
    data[..., 0] = np.linspace(tint, 255, width, dtype=np.uint8)[None, :]
    data[..., 1] = np.linspace(20, 120, height, dtype=np.uint8)[:, None]
    data[..., 2] = 255 - tint
    Image.fromarray(data).save(path)
    return path


class CountingSpeaker:
    """espeak-ng, counting the lines it really speaks (the cache should spare it the repeats)."""

    name = "espeak-ng"

    def __init__(self) -> None:
        self.calls = 0
        self._engine = EspeakSynthesizer()

    def synthesize(self, text: str, path: Path, *, voice: str, rate: int) -> Speech:
        self.calls += 1
        return self._engine.synthesize(text, path, voice=voice, rate=rate)


class StopAfter:
    """Asks to stop once `frames` frames are rendered."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.done = 0

    def progress(self, done: int, total: int, message: str = "") -> None:
        if message == "rendering":
            self.done = done

    def should_stop(self) -> bool:
        return self.done >= self.frames


@dataclass(frozen=True)
class Made:
    request: AssemblyRequest
    outputs: list[TaskOutput]
    planned_frames: int
    speech: tuple[float, float]
    folder: Path


def _request(folder: Path, *, burn: bool) -> AssemblyRequest:
    return parse_request(
        {
            "width": SIZE[0],
            "height": SIZE[1],
            "fps": FPS,
            "shots": [
                {
                    "image": "warm.png",
                    "duration": 1.0,
                    "motion": {
                        "start_zoom": 1.0,
                        "end_zoom": 1.4,
                        "start_center": [0.3, 0.5],
                        "end_center": [0.7, 0.5],
                        "easing": "linear",
                    },
                    "transition": {"kind": "crossfade", "duration": 0.5},
                    "narration": LINES[0],
                },
                {"clip": "clip.mp4", "narration": LINES[1]},
                {"image": "cool.png", "duration": 1.5},
            ],
            "music": {"path": "music.wav", "volume": 0.5},
            "narration": {"padding": PADDING, "duck": 0.3},
            "subtitles": {"burn": burn},
        }
    ).resolved(folder)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("assembly-inputs")
    _still(folder / "warm.png", (400, 300), 200)
    _still(folder / "cool.png", (480, 270), 10)
    encode_video([Image.new("RGB", (160, 90), CLIP_COLOUR)] * 12, folder / "clip.mp4", fps=12, format="mp4")
    write_tone(folder / "music.wav", seconds=1.5, frequency=MUSIC_HZ, amplitude=0.5, rate=44100, channels=2)
    return folder


def _planned_frames(speech: tuple[float, float]) -> int:
    """The timeline's rule, worked out here independently: a narrated shot lasts its line, the padding and its
    crossfade (at least); shots overlap by their crossfades."""
    first = max(round(1.0 * FPS), math.ceil((speech[0] + PADDING + 0.5) * FPS - 1e-6))
    second = max(round(1.0 * FPS), math.ceil((speech[1] + PADDING) * FPS - 1e-6))
    return first + second + round(1.5 * FPS) - round(0.5 * FPS)


def _make(inputs: Path, work: Path, *, burn: bool) -> Made:
    engine = EspeakSynthesizer()
    speech = tuple(
        engine.synthesize(line, work.parent / f"{i}.wav", voice="en", rate=165).duration for i, line in enumerate(LINES)
    )
    request = _request(inputs, burn=burn)
    outputs = run_assembly(request, work_dir=work)
    return Made(request, outputs, _planned_frames((speech[0], speech[1])), (speech[0], speech[1]), work)


@pytest.fixture(scope="module")
def burned(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Made:
    return _make(inputs, tmp_path_factory.mktemp("burned") / "work", burn=True)


@pytest.fixture(scope="module")
def plain(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Made:
    return _make(inputs, tmp_path_factory.mktemp("plain") / "work", burn=False)


def _frames(path: Path) -> list[Pixels]:
    with av.open(str(path)) as container:
        return [np.asarray(frame.to_ndarray(format="rgb24"), np.uint8) for frame in container.decode(video=0)]


def test_the_video_has_the_planned_length_and_both_streams(burned: Made) -> None:
    video = burned.outputs[0]
    info = probe_video(video.path)
    assert (info.video_codec, info.audio_codec, info.width, info.height, info.fps) == ("h264", "aac", *SIZE, FPS)
    assert info.frames == video.frames == burned.planned_frames
    assert abs(info.duration - burned.planned_frames / FPS) <= 1 / FPS
    with av.open(str(video.path)) as container:
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        audio = container.streams.audio[0]
        assert audio.duration is not None and audio.time_base is not None
        assert float(audio.duration * audio.time_base) == pytest.approx(info.duration, abs=0.05)


def test_subtitles_are_written_beside_the_video_and_each_shot_outlasts_its_line(burned: Made) -> None:
    video, subtitles = burned.outputs
    assert subtitles.path == video.path.with_suffix(".srt") and subtitles.content_type == "application/x-subrip"
    cues = parse_srt(subtitles.path.read_text(encoding="utf-8"))
    assert [cue.text for cue in cues] == list(LINES)
    shots = video.metadata["shots"]
    for cue, shot, speech in zip(cues, shots, burned.speech, strict=False):
        assert cue.start == pytest.approx(shot["start"], abs=1e-3)
        assert shot["duration"] >= speech + PADDING
        assert cue.end == pytest.approx(cue.start + speech + PADDING, abs=1e-3)
    assert cues[0].end <= cues[1].start  # the second line waits for the first
    assert shots[0]["lengthened"]  # 1 s asked, but its line is longer


def _band_level(samples: npt.NDArray[np.float32], low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(samples.mean(axis=1) * np.hanning(len(samples))))
    frequencies = np.fft.rfftfreq(len(samples), 1 / MIX_RATE)
    return float(spectrum[(frequencies >= low) & (frequencies <= high)].max()) / len(samples)


def test_narration_is_heard_over_ducked_music(burned: Made) -> None:
    audio = decode_audio(burned.outputs[0].path)
    shots = burned.outputs[0].metadata["shots"]

    def window(start: float, end: float) -> npt.NDArray[np.float32]:
        return audio[round(start * MIX_RATE) : round(end * MIX_RATE)]

    speaking = window(0.15, burned.speech[0] - 0.15)
    music_only = window(shots[2]["start"] + 0.3, shots[2]["start"] + 1.2)  # the last shot has no line
    assert _band_level(speaking, 300, 3000) > 10 * _band_level(music_only, 300, 3000)  # a voice, then none
    assert _band_level(music_only, MUSIC_HZ - 10, MUSIC_HZ + 10) > 0.05  # the looped music plays on
    ducked = _band_level(speaking, MUSIC_HZ - 10, MUSIC_HZ + 10) / _band_level(music_only, MUSIC_HZ - 10, MUSIC_HZ + 10)
    assert 0.15 < ducked < 0.5  # turned down to 0.3 under the voice


def test_burned_subtitles_change_the_bottom_band_only(burned: Made, plain: Made) -> None:
    index = round(burned.speech[0] / 2 * FPS)  # mid-line
    with_text = _frames(burned.outputs[0].path)[index].astype(np.int16)
    without = _frames(plain.outputs[0].path)[index].astype(np.int16)
    difference = np.abs(with_text - without).mean(axis=(1, 2))
    assert difference[int(SIZE[1] * 0.75) : int(SIZE[1] * 0.95)].max() > 20
    assert difference[: SIZE[1] // 2].max() < 2


def test_ken_burns_moves_then_crossfades_into_the_clip(plain: Made) -> None:
    frames = _frames(plain.outputs[0].path)
    shots = plain.outputs[0].metadata["shots"]
    clip_start = round(shots[1]["start"] * FPS)
    steps = [np.abs(frames[i + 1].astype(np.int16) - frames[i]).mean() for i in range(clip_start - 1)]
    assert min(steps) > 0.2  # every frame of the still moves
    assert max(steps) < 4 * float(np.median(steps))  # evenly: no jumps
    clip_middle = frames[round((shots[1]["start"] + shots[1]["duration"] / 2) * FPS)]
    assert np.abs(clip_middle.reshape(-1, 3).mean(axis=0) - CLIP_COLOUR).max() < 6
    before, after = frames[clip_start - 1].mean(axis=(0, 1)), frames[clip_start + 6].mean(axis=(0, 1))
    middle = frames[clip_start + 3].mean(axis=(0, 1))
    green = 1  # the channel where the still and the clip differ most
    assert before[green] < middle[green] < after[green]


def test_720p_preset_gives_1280x720(inputs: Path, tmp_path: Path) -> None:
    request = parse_request(
        {"resolution": "720p", "fps": 12, "shots": [{"image": str(inputs / "warm.png"), "duration": 0.25}]}
    )
    [video] = run_assembly(request, work_dir=tmp_path)
    info = probe_video(video.path)
    assert (info.width, info.height, info.frames, info.has_audio) == (1280, 720, 3, False)


def test_a_stopped_run_leaves_no_video_and_a_rerun_speaks_nothing_again(inputs: Path, tmp_path: Path) -> None:
    request = _request(inputs, burn=False)
    speaker = CountingSpeaker()
    with pytest.raises(Cancelled):
        run_assembly(request, work_dir=tmp_path, control=StopAfter(5), tts=speaker)
    assert speaker.calls == 2
    assert not list(tmp_path.glob("*.mp4"))
    [video, _] = run_assembly(request, work_dir=tmp_path, tts=speaker)
    assert speaker.calls == 2  # both lines came from the cache
    written = video.path.stat().st_mtime_ns
    again = run_assembly(request, work_dir=tmp_path, tts=speaker)
    assert again[0] == video and video.path.stat().st_mtime_ns == written  # finished: nothing redone


def test_missing_and_unreadable_files_name_the_field(inputs: Path, tmp_path: Path) -> None:
    good = {"image": str(inputs / "warm.png"), "duration": 0.5}
    missing = parse_request({"width": 64, "height": 36, "shots": [good, {"image": str(tmp_path / "gone.png")}]})
    with pytest.raises(InvalidInput) as error:
        run_assembly(missing, work_dir=tmp_path / "a")
    assert error.value.field == "shots[1].image" and "does not exist" in error.value.message
    (tmp_path / "notes.png").write_text("not a picture")
    unreadable = parse_request({"width": 64, "height": 36, "shots": [{"image": str(tmp_path / "notes.png")}]})
    with pytest.raises(InvalidInput) as error:
        run_assembly(unreadable, work_dir=tmp_path / "b")
    assert error.value.field == "shots[0].image" and "cannot read" in error.value.message
    no_music = parse_request({"width": 64, "height": 36, "shots": [good], "music": {"path": str(tmp_path / "x.mp3")}})
    with pytest.raises(InvalidInput) as error:
        run_assembly(no_music, work_dir=tmp_path / "c")
    assert error.value.field == "music.path"


def test_cues_match_the_srt_cue_type() -> None:
    assert parse_srt("1\n00:00:00,500 --> 00:00:01,000\nHi\n") == [Cue(0.5, 1.0, "Hi")]
