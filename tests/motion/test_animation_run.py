"""A 48-frame feedback-loop animation on the tiny SD model: a real MP4, and resuming after a stop or a kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import av
import pytest

from kiln.engine.executor import Engine
from kiln.errors import Cancelled, RunConflict
from kiln.motion.animation.request import AnimationRequest
from kiln.motion.animation.runner import run_animation
from kiln.motion.task import NullControl, TaskOutput
from tests.conditions import wait_until
from tests.motion.animation_helpers import Frame, difference, read_frames, tiny_request

FRAMES = 48
KILLED_AT = 20
TOLERANCE = 2  # of 255: a resumed frame is bitwise the same here; allow a rounding step or two elsewhere
PROMPT_CHANGE = 16  # of 255: far above TOLERANCE


def schedules(prompts: dict[int, str] | None = None) -> AnimationRequest:
    return tiny_request(
        frames=FRAMES,
        prompts={0: "a misty forest", 24: "a city of glass"} if prompts is None else prompts,
        zoom="0:(1.0), 24:(1.04), 47:(1.0)",
        translation_x="0:(0), 47:(2)",
        translation_y="0:(1+0.5*sin(2*pi*t/24))",
        strength="0:(0.45), 30:(0.7)",
        seed=11,
    )


@dataclass(frozen=True)
class Reference:
    request: AnimationRequest
    video: TaskOutput
    frames: list[Frame]


@pytest.fixture(scope="module")
def reference(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The uninterrupted run every resumed run is compared with."""
    work_dir = tmp_path_factory.mktemp("uninterrupted")
    [video] = run_animation(schedules(), models=engine, work_dir=work_dir, control=NullControl())
    return Reference(schedules(), video, read_frames(work_dir))


def test_a_48_frame_animation_becomes_an_mp4(reference: Reference) -> None:
    video = reference.video
    with av.open(str(video.path)) as container:
        [stream] = container.streams
        assert stream.type == "video" and stream.codec_context.name == "h264"
        decoded = sum(1 for _ in container.decode(stream))
        assert stream.duration is not None and stream.time_base is not None
        duration = float(stream.duration * stream.time_base)
    assert decoded == FRAMES == video.frames == len(reference.frames)
    assert abs(duration - FRAMES / 12) <= 1 / 12
    assert (video.content_type, video.width, video.height, video.fps) == ("video/mp4", 64, 64, 12.0)
    # the schedules move the picture: consecutive frames differ
    assert all(difference(a, b) > 0 for a, b in zip(reference.frames, reference.frames[1:], strict=False))


def test_the_prompt_change_shows_first_at_frame_24(engine: Engine, reference: Reference, tmp_path: Path) -> None:
    """The same schedules with one prompt throughout: frames 0-23 are the reference's, frame 24 is not."""
    with pytest.raises(Cancelled):
        run_animation(schedules(prompts={0: "a misty forest"}), models=engine, work_dir=tmp_path, control=StopAfter(25))
    frames = read_frames(tmp_path)
    assert len(frames) == 25
    before = [difference(a, b) for a, b in zip(frames[:24], reference.frames[:24], strict=True)]
    assert max(before) <= TOLERANCE, f"frames before 24 differ by {before}"
    assert difference(frames[24], reference.frames[24]) > PROMPT_CHANGE, "frame 24 ignores its new prompt"


class StopAfter:
    """A control whose `should_stop` turns true once `frames` frames are saved."""

    def __init__(self, frames: int) -> None:
        self.frames = frames
        self.done = 0

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.done = done

    def should_stop(self) -> bool:
        return self.done >= self.frames


def assert_resumed_like_reference(work_dir: Path, reference: Reference, video: TaskOutput) -> None:
    frames = read_frames(work_dir)
    assert len(frames) == FRAMES
    worst = max(difference(a, b) for a, b in zip(frames, reference.frames, strict=True))
    assert worst <= TOLERANCE, f"resumed frames differ from the uninterrupted run by up to {worst}"
    assert video.frames == FRAMES


def test_stopped_at_frame_20_resumes_with_the_same_frames(engine: Engine, reference: Reference, tmp_path: Path) -> None:
    with pytest.raises(Cancelled, match=f"after frame {KILLED_AT} of {FRAMES}"):
        run_animation(schedules(), models=engine, work_dir=tmp_path, control=StopAfter(KILLED_AT))
    saved = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "frames").glob("*.png")}
    assert len(saved) == KILLED_AT and not (tmp_path / "animation.mp4").exists()

    [video] = run_animation(schedules(), models=engine, work_dir=tmp_path, control=NullControl())
    assert video.metadata["resumed_from"] == KILLED_AT
    assert {name: (tmp_path / "frames" / name).stat().st_mtime_ns for name in saved} == saved  # not made again
    assert_resumed_like_reference(tmp_path, reference, video)


def test_a_killed_kiln_animate_resumes_with_the_same_frames(
    engine: Engine, reference: Reference, tmp_path: Path
) -> None:
    request_file = tmp_path / "animation.json"
    request_file.write_text(reference.request.model_dump_json())
    work_dir = tmp_path / "work"
    env = {**os.environ, "KILN_THREADS": "2", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "kiln.cli", "animate", "--from", str(request_file), "--out", str(work_dir)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # frame 21 on disk: the checkpoint after frame 20 is written before frame 21 is started
        frame = work_dir / "frames" / f"frame_{KILLED_AT:05d}.png"
        wait_until(lambda: frame.exists() or process.poll() is not None, timeout=120, interval=0.002, what=str(frame))
    finally:
        process.send_signal(signal.SIGKILL)
        _, errors = process.communicate()
    assert process.returncode == -signal.SIGKILL, f"the run ended before the kill: {errors.decode()[-2000:]}"

    [video] = run_animation(reference.request, models=engine, work_dir=work_dir, control=NullControl())
    assert KILLED_AT <= video.metadata["resumed_from"] < FRAMES
    assert_resumed_like_reference(work_dir, reference, video)


def test_a_folder_holding_another_animation_is_refused(engine: Engine, tmp_path: Path) -> None:
    run_animation(tiny_request(frames=1), models=engine, work_dir=tmp_path, control=NullControl())
    with pytest.raises(RunConflict, match="holds another animation"):
        run_animation(tiny_request(frames=2), models=engine, work_dir=tmp_path, control=NullControl())
