"""`run_video` end to end on the tiny video models: real files read back with PyAV, long-form seams, loops, and a
stopped long-form resumed."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from kiln.engine.executor import Engine
from kiln.engine.loader import save_builtin
from kiln.errors import Cancelled, InvalidInput, KilnError
from kiln.media.audio import write_tone
from kiln.media.video import probe_video
from kiln.motion.task import NullControl, TaskOutput
from kiln.motion.video_task import run_video
from tests.motion.video_helpers import RecordingControl, decoded_frames, input_image, steps_between, tiny_request

FIVE_PROMPTS = ["a boat leaves the harbour", "open sea", "clouds gather", "a storm", "the boat returns"]


def check_file(output: TaskOutput, *, frames: int, fps: float, size: tuple[int, int], codec: str = "h264") -> None:
    """What the task says of its file is what PyAV reads: frames, duration within one frame, size, codec."""
    info = probe_video(output.path)
    assert info.frames == output.frames == frames
    assert abs(info.duration - frames / fps) <= 1 / fps
    assert output.duration is not None and abs(output.duration - info.duration) <= 1 / fps
    assert (info.width, info.height) == (output.width, output.height) == size
    assert info.video_codec == codec and output.content_type == info.content_type
    assert output.metadata["bytes"] == output.path.stat().st_size


def stream_kinds(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        return sorted(stream.type for stream in container.streams)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("tiny-svd", {"frames": 4, "steps": 1, "prompt": "", "fps": 6, "motion_bucket_id": 90}),
        ("tiny-ltx", {"frames": 9}),
        ("tiny-wan", {"frames": 9}),
    ],
)
def test_image_to_video_with_each_tiny_model(
    engine: Engine, tmp_path: Path, model: str, fields: dict[str, object]
) -> None:
    image = input_image(tmp_path / "still.png")
    tone = write_tone(tmp_path / "tone.wav", seconds=3.0)
    request = tiny_request(model=model, image=str(image), audio=str(tone), **fields)
    [output] = run_video(request, models=engine, work_dir=tmp_path / "work", control=NullControl())
    frames = int(str(fields["frames"]))
    check_file(output, frames=frames, fps=request.fps or 0, size=(32, 32))
    assert stream_kinds(output.path) == ["audio", "video"]
    assert probe_video(output.path).audio_codec == "aac"
    assert output.metadata["mode"] == "i2v" and output.metadata["image"] == "still.png"
    if model == "tiny-svd":
        assert output.metadata["motion_bucket_id"] == 90


@pytest.mark.parametrize(("model", "fmt", "codec"), [("tiny-ltx", "mp4", "h264"), ("tiny-wan", "webm", "vp9")])
def test_text_to_video_continues_with_the_family_image_to_video(
    engine: Engine, tmp_path: Path, model: str, fmt: str, codec: str
) -> None:
    request = tiny_request(model=model, frames=17, segments=2, format=fmt)
    [output] = run_video(request, models=engine, work_dir=tmp_path, control=NullControl())
    check_file(output, frames=17, fps=8, size=(32, 32), codec=codec)
    assert output.path.suffix == f".{fmt}" and stream_kinds(output.path) == ["video"]
    assert output.metadata["mode"] == "t2v"
    assert output.metadata["models"] == ([model] if model == "tiny-ltx" else ["tiny-wan", "tiny-wan-i2v"])
    second = json.loads((tmp_path / "segments" / "0001.json").read_text())
    assert second["item"]["mode"] == "i2v" and second["start_image"] == "frame-00008.png"


def test_a_crossfade_loop_runs_from_its_last_frame_into_its_first(engine: Engine, tmp_path: Path) -> None:
    looped = run_video(
        tiny_request(frames=12, loop="crossfade", loop_frames=4, crf=0), models=engine, work_dir=tmp_path / "loop",
        control=NullControl(),
    )[0]  # fmt: skip
    plain = run_video(
        tiny_request(frames=12, crf=0), models=engine, work_dir=tmp_path / "plain", control=NullControl()
    )[0]
    check_file(looped, frames=12, fps=8, size=(32, 32))
    frames = decoded_frames(looped.path)
    steps = steps_between(frames)
    wrap = float(np.abs(frames[0] - frames[-1]).mean())
    assert wrap <= max(steps), f"the wrap-around ({wrap:.1f}) is a jump; steps inside are {steps}"
    # without the loop, the same clip (the same seed and segment length) jumps when it starts over
    unlooped = decoded_frames(plain.path)
    assert float(np.abs(unlooped[0] - unlooped[-1]).mean()) > wrap


def test_a_pingpong_loop_plays_back(engine: Engine, tmp_path: Path) -> None:
    [output] = run_video(
        tiny_request(frames=12, loop="pingpong", crf=0), models=engine, work_dir=tmp_path, control=NullControl()
    )
    check_file(output, frames=12, fps=8, size=(32, 32))
    frames = decoded_frames(output.path)  # 7 forwards (0-6), then 5, 4, 3, 2, 1
    for k in range(1, 6):
        assert np.abs(frames[k] - frames[12 - k]).mean() < 3


def test_a_five_segment_video_has_no_visible_seams(engine: Engine, tmp_path: Path) -> None:
    request = tiny_request(frames=41, segments=FIVE_PROMPTS, crf=0)
    [output] = run_video(request, models=engine, work_dir=tmp_path, control=NullControl())
    check_file(output, frames=41, fps=8, size=(32, 32))
    assert output.metadata["segments"] == 5 and output.metadata["segment_prompts"] == FIVE_PROMPTS
    steps = steps_between(decoded_frames(output.path))
    seams = [8 * k for k in range(1, 5)]  # segment k+1's first new frame follows frame 8k
    inside = [step for index, step in enumerate(steps) if index not in seams]
    assert max(steps[i] for i in seams) <= max(inside), f"seams {[steps[i] for i in seams]}, inside {inside}"
    # the clips as generated do jump: their first frames are the model's redraw of the frame before
    raw = [
        [np.asarray(Image.open(p), dtype=np.float32) for p in sorted(d.glob("*.png"))] for d in segment_dirs(tmp_path)
    ]
    jumps = [float(np.abs(raw[k][1] - raw[k - 1][-1]).mean()) for k in range(1, 5)]
    assert min(jumps) > max(steps[i] for i in seams)


def segment_dirs(work_dir: Path) -> list[Path]:
    return sorted(path for path in (work_dir / "segments").iterdir() if path.is_dir())


def test_a_stopped_long_form_resumes_with_only_the_missing_segments(engine: Engine, tmp_path: Path) -> None:
    request = tiny_request(frames=41, segments=5, seed=None)
    work = tmp_path / "stopped"

    def saved() -> list[Path]:
        return sorted((work / "segments").glob("*.json"))

    with pytest.raises(Cancelled, match="2 of 5 segments saved"):
        run_video(request, models=engine, work_dir=work, control=RecordingControl(stop_when=lambda: len(saved()) >= 2))
    assert [path.name for path in saved()] == ["0000.json", "0001.json"]
    before = {path: path.stat().st_mtime_ns for path in (work / "segments").rglob("*")}
    again = RecordingControl()
    [output] = run_video(request, models=engine, work_dir=work, control=again)
    assert again.segments_rendered() == [3, 4, 5]
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in before.items())
    check_file(output, frames=41, fps=8, size=(32, 32))
    # the same frames as a run that was never stopped (the drawn seed was kept in the work folder)
    seed = json.loads((work / "video.json").read_text())["seed"]
    whole = tmp_path / "whole"
    run_video(tiny_request(frames=41, segments=5, seed=seed), models=engine, work_dir=whole, control=NullControl())
    for resumed_dir, whole_dir in zip(segment_dirs(work), segment_dirs(whole), strict=True):
        for a, b in zip(sorted(resumed_dir.iterdir()), sorted(whole_dir.iterdir()), strict=True):
            assert np.abs(np.asarray(Image.open(a), np.int16) - np.asarray(Image.open(b), np.int16)).max() <= 1


def test_enhancement_and_gif_reuse_the_saved_segments(engine: Engine, tmp_path: Path) -> None:
    plain = run_video(tiny_request(format="gif"), models=engine, work_dir=tmp_path, control=NullControl())[0]
    check_file(plain, frames=9, fps=8, size=(32, 32), codec="gif")
    with Image.open(plain.path) as image:
        before = np.asarray(image.convert("RGB"), np.float32)
    control = RecordingControl()
    request = tiny_request(format="gif", enhance={"smooth": 0.6, "sharpen": 0.6})
    [enhanced] = run_video(request, models=engine, work_dir=tmp_path, control=control)
    assert control.segments_rendered() == []  # enhancement happens after the saved segments
    assert enhanced.metadata["enhance"] == {"smooth": 0.6, "sharpen": 0.6}
    with Image.open(enhanced.path) as image:
        assert np.abs(np.asarray(image.convert("RGB"), np.float32) - before).mean() > 1


def test_a_video_model_from_a_local_folder(engine: Engine, tmp_path: Path) -> None:
    ltx = save_builtin("tiny-ltx", tmp_path / "my-ltx")
    request = tiny_request(model=str(ltx), frames=17, segments=2)
    [output] = run_video(request, models=engine, work_dir=tmp_path / "work", control=NullControl())
    check_file(output, frames=17, fps=8, size=(32, 32))
    # a Wan text-to-video folder has no image-to-video companion: it cannot continue from a last frame
    wan = save_builtin("tiny-wan", tmp_path / "my-wan")
    with pytest.raises(InvalidInput) as caught:
        run_video(
            tiny_request(model=str(wan), frames=17, segments=2),
            models=engine,
            work_dir=tmp_path / "w2",
            control=NullControl(),
        )
    assert caught.value.field == "segments"
    assert not (tmp_path / "w2").exists()


class BreaksTheAudio(RecordingControl):
    """Makes the sound track unreadable once every segment is saved (when the runner reports "encoding")."""

    def __init__(self, audio: Path) -> None:
        super().__init__()
        self._audio = audio

    def progress(self, done: int, total: int, message: str = "") -> None:
        super().progress(done, total, message)
        if message == "encoding":
            self._audio.write_bytes(b"\x00not audio" * 100)


def test_an_encoding_failure_keeps_the_segments_and_the_same_run_encodes_them(engine: Engine, tmp_path: Path) -> None:
    song = write_tone(tmp_path / "song.wav", seconds=1.0)
    request = tiny_request(audio=str(song))
    work = tmp_path / "work"
    with pytest.raises(KilnError, match="run the same command again to encode them without generating them again"):
        run_video(request, models=engine, work_dir=work, control=BreaksTheAudio(song))
    segments = sorted((work / "segments").rglob("*.png"))
    made = {path: path.stat().st_mtime_ns for path in segments}
    assert segments and not list(work.glob("*.mp4"))
    write_tone(song, seconds=1.0)
    again = RecordingControl()
    [output] = run_video(request, models=engine, work_dir=work, control=again)
    assert again.segments_rendered() == []  # encoded from the saved segments
    assert {path: path.stat().st_mtime_ns for path in segments} == made
    assert probe_video(output.path).has_audio
