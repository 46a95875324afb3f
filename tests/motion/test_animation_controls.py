"""Steering a running animation: pause and resume, stop, teleport and edits, in memory and through command files."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.engine.executor import Engine
from kiln.errors import Cancelled, InvalidInput
from kiln.motion.animation.controls import QueueControl
from kiln.motion.animation.file_control import FileControl, send_command
from kiln.motion.animation.request import AnimationRequest
from kiln.motion.animation.runner import run_animation
from kiln.motion.animation.state import AnimationFolder, AnimationState
from kiln.motion.task import NullControl, TaskOutput
from tests.conditions import wait_until
from tests.helpers import make_item
from tests.motion.animation_helpers import difference, read_frames, tiny_request


class Steering(QueueControl):
    """A `QueueControl` that records what the runner reports and sends `command` once `at` frames are saved."""

    def __init__(self, at: int | None = None, command: dict[str, Any] | None = None) -> None:
        super().__init__(on_progress=self._report)
        self.reports: list[tuple[int, str]] = []
        self._at = at
        self._command = command

    def _report(self, done: int, _total: int, message: str) -> None:
        self.reports.append((done, message))
        if done == self._at and message.startswith("frame") and self._command is not None:
            self.send(self._command)

    def paused_reports(self) -> list[int]:
        return [done for done, message in self.reports if message == "paused"]


def run(engine: Engine, request: AnimationRequest, work_dir: Path, control: QueueControl | None = None) -> TaskOutput:
    [video] = run_animation(request, models=engine, work_dir=work_dir, control=control or NullControl())
    return video


def ran(engine: Engine, request: AnimationRequest, work_dir: Path, control: QueueControl | None = None) -> Path:
    run(engine, request, work_dir, control)
    return work_dir


class InThread:
    """`run_animation` of a 6-frame request in a thread, its outcome (a video or an exception) kept."""

    def __init__(self, engine: Engine, work_dir: Path, control: QueueControl) -> None:
        self.outcome: TaskOutput | BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(engine, work_dir, control))
        self._thread.start()

    def _run(self, engine: Engine, work_dir: Path, control: QueueControl) -> None:
        try:
            self.outcome = run(engine, tiny_request(), work_dir, control)
        except BaseException as exc:  # handed to the test
            self.outcome = exc

    def join(self) -> TaskOutput | BaseException | None:
        self._thread.join(timeout=60)
        assert not self._thread.is_alive(), "the animation did not end"
        return self.outcome


def test_pause_holds_the_frame_count_and_resume_continues(engine: Engine, tmp_path: Path) -> None:
    control = Steering(at=2, command={"action": "pause"})
    running = InThread(engine, tmp_path, control)
    wait_until(lambda: len(control.paused_reports()) >= 3, timeout=60, what="three reports of a paused run")
    assert len(read_frames(tmp_path)) == 2 and set(control.paused_reports()) == {2}
    control.send({"action": "resume"})
    video = running.join()
    assert isinstance(video, TaskOutput) and video.frames == 6 and len(read_frames(tmp_path)) == 6


def test_a_paused_run_still_stops_when_told(engine: Engine, tmp_path: Path) -> None:
    control = Steering(at=1, command={"action": "pause"})
    running = InThread(engine, tmp_path, control)
    wait_until(control.paused_reports, timeout=60, what="a paused run")
    control.stop_now()
    assert isinstance(running.join(), Cancelled) and len(read_frames(tmp_path)) == 1


def test_stop_ends_the_animation_with_the_frames_made(engine: Engine, tmp_path: Path) -> None:
    video = run(engine, tiny_request(), tmp_path, Steering(at=3, command={"action": "stop"}))
    assert video.frames == 3 and video.metadata["stopped_early"] is True
    assert run(engine, tiny_request(), tmp_path).frames == 3  # a stopped animation stays finished


def test_teleport_makes_the_image_the_start_of_the_next_frame(engine: Engine, tmp_path: Path) -> None:
    Image.new("RGB", (64, 64), (255, 255, 255)).save(tmp_path / "white.png")
    request = tiny_request(frames=3)
    reference = read_frames(ran(engine, request, tmp_path / "plain"))
    teleport = {"action": "teleport", "image": str(tmp_path / "white.png")}
    teleported = read_frames(ran(engine, request, tmp_path / "teleported", Steering(at=1, command=teleport)))
    # frame 1 is img2img of the white image itself (not of the moved frame 0), with frame 1's prompt and seed
    frame_1 = make_item(1, prompt="a misty forest", user_prompt="a misty forest", seed=8, steps=4, kind="img2img")
    [expected] = engine.run([replace(frame_1, strength=0.5)], init_images=[Image.new("RGB", (64, 64), "white")])
    assert difference(teleported[0], reference[0]) == 0
    assert difference(teleported[1], np.asarray(expected.image, dtype=np.int16)) == 0
    assert difference(teleported[1], reference[1]) > 0
    state = AnimationFolder(tmp_path / "teleported").load_state()
    assert state is not None and state.teleport is None  # used once


def test_an_edited_strength_keyframe_takes_effect_from_the_next_frame(engine: Engine, tmp_path: Path) -> None:
    request = tiny_request(frames=4)
    edit = {"action": "edit", "changes": {"strength": "0:(0.9)"}}
    run(engine, request, tmp_path / "edited", Steering(at=2, command=edit))
    edited = read_frames(tmp_path / "edited")
    unedited = read_frames(ran(engine, request, tmp_path / "unedited"))
    # the same strengths written as one schedule from the start: 0.5 for frames 0 and 1, 0.9 from frame 2
    planned = read_frames(ran(engine, tiny_request(frames=4, strength="0:(0.5), 1:(0.5), 2:(0.9)"), tmp_path / "plan"))
    assert [difference(a, b) for a, b in zip(edited, planned, strict=True)] == [0, 0, 0, 0]
    assert difference(edited[1], unedited[1]) == 0 and difference(edited[2], unedited[2]) > 0
    state = AnimationFolder(tmp_path / "edited").load_state()
    assert state is not None and state.current.strength == "0:(0.9)" and state.edits == 1
    assert state.original == request  # the request as given still identifies the run


def test_a_bad_command_is_refused_and_the_run_goes_on(engine: Engine, tmp_path: Path) -> None:
    control = Steering(at=1, command={"action": "edit", "changes": {"frames": 99}})
    assert run(engine, tiny_request(frames=3), tmp_path, control).frames == 3
    assert any("command refused" in message and "frames cannot change" in message for _, message in control.reports)


def test_command_files_are_taken_in_the_order_sent(tmp_path: Path) -> None:
    sent: list[dict[str, Any]] = [
        {"action": "pause"},
        {"action": "edit", "changes": {"zoom": "0:(1.01)"}},
        {"action": "resume"},
    ]
    for command in sent:
        send_command(tmp_path, command)
    control = FileControl(tmp_path)
    assert control.commands() == sent
    assert control.commands() == []


def test_a_teleport_file_carries_its_own_copy_of_the_image(tmp_path: Path) -> None:
    Image.new("RGB", (8, 8), "red").save(tmp_path / "red.png")
    send_command(tmp_path / "work", {"action": "teleport", "image": str(tmp_path / "red.png")})
    (tmp_path / "red.png").unlink()
    [command] = FileControl(tmp_path / "work").commands()
    with Image.open(command["image"]) as copy:
        assert copy.getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        ({"action": "jump"}, "action"),
        ({"action": "teleport"}, "image"),  # the field that is missing
        ({"action": "teleport", "image": "/nowhere.png"}, "image"),  # the teleport image, not an init_image
        ({"action": "edit", "changes": {"strength": "0:(1.5)"}}, "strength"),
        ({"action": "edit", "changes": {"width": 128}}, "changes"),
    ],
)
def test_bad_commands_are_refused_to_their_sender(tmp_path: Path, command: dict[str, Any], field: str) -> None:
    AnimationFolder(tmp_path).save_state(AnimationState.start(tiny_request()))
    with pytest.raises(InvalidInput) as error:
        send_command(tmp_path, command)
    assert error.value.field == field
    assert FileControl(tmp_path).commands() == []


def test_a_waiting_file_control_wakes_when_a_command_arrives(tmp_path: Path) -> None:
    control = FileControl(tmp_path, poll_interval=0.02)
    woke = threading.Event()

    def waiter() -> None:
        control.wait(30)
        woke.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    send_command(tmp_path, {"action": "resume"})
    assert woke.wait(timeout=10), "wait() did not return when a command arrived"
    thread.join()


def test_commands_in_the_folder_steer_a_run(engine: Engine, tmp_path: Path) -> None:
    # nothing saved yet: the edit is checked when the runner applies it
    send_command(tmp_path, {"action": "edit", "changes": {"zoom": "0:(1.05)"}})
    send_command(tmp_path, {"action": "stop"})
    [video] = run_animation(tiny_request(), models=engine, work_dir=tmp_path, control=FileControl(tmp_path))
    assert video.frames == 1
    state = AnimationFolder(tmp_path).load_state()
    assert state is not None and state.current.zoom == "0:(1.05)"


def test_kiln_animate_control_writes_a_command_file(tmp_path: Path) -> None:
    AnimationFolder(tmp_path).save_state(AnimationState.start(tiny_request()))
    result = CliRunner().invoke(app, ["animate", "control", str(tmp_path), "edit", json.dumps({"angle": "0:(2)"})])
    assert result.exit_code == 0, result.output
    assert FileControl(tmp_path).commands() == [{"action": "edit", "changes": {"angle": "0:(2)"}}]
    refused = CliRunner().invoke(app, ["animate", "control", str(tmp_path), "edit", '{"strength": "0:(7)"}'])
    assert isinstance(refused.exception, InvalidInput) and refused.exception.field == "strength"
