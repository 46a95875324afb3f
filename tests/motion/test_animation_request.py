"""Animation requests: bad input named by field (and frame or position), edits, checks against the model, and the
per-frame values a timeline gives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.engine.catalog import resolve_model
from kiln.engine.executor import Engine
from kiln.errors import InvalidInput
from kiln.media.schedules import seed_for_frame
from kiln.motion.animation.checks import check_animation, frame_size, with_size
from kiln.motion.animation.request import apply_edit, parse_animation_request
from kiln.motion.animation.runner import run_animation
from kiln.motion.animation.timeline import Timeline
from kiln.motion.task import NullControl
from kiln.presets.aspect import DEFAULT_ASPECT, size_for_aspect
from tests.motion.animation_helpers import tiny_request

BASE: dict[str, Any] = {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": 48, "steps": 4}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"strength": "0:(0.5), 10(0.6)"}, "strength", "position 11: expected ':' after the frame number"),
        ({"strength": "0:(0.5), 40:(1.5)"}, "strength", "frame 21 gives 1.025: strength must stay above 0"),
        ({"strength": "0:(0.2)"}, "strength", "less than one denoising step of 4"),
        ({"zoom": "0:(1-t/10)"}, "zoom", "frame 10 gives 0: zoom must stay above 0"),
        ({"angle": "0:(1/(t-5))"}, "angle", "position 4: division by zero at t=5"),
        ({"guidance": "0:(7), 47:(60)"}, "guidance", "guidance must stay from 0 to 50"),
        ({"seed_behaviour": "schedule"}, "seed_schedule", "needs a seed_schedule"),
        ({"seed_schedule": "0:(3)"}, "seed_schedule", "needs seed_behaviour 'schedule'"),
        ({"prompts": {}}, "prompts", "no prompts"),
        ({"prompts": {"0": " "}}, "prompts", "every prompt is empty"),
        ({"prompts": {"first": "a forest"}}, "prompts.first", "valid integer"),
        ({"format": "gif", "crf": 20}, "crf", "gif takes no crf"),
        ({"format": "webp", "audio": "a.wav"}, "audio", "carry no audio"),
        ({"frames": 0}, "frames", "greater than or equal to 1"),
        ({"hud": {"corner": "middle"}}, "hud.corner", "'top-left'"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_bad_requests_are_named(fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as error:
        parse_animation_request({**BASE, **fields})
    assert error.value.field == field


def test_edits_change_only_what_a_running_animation_may_change() -> None:
    request = parse_animation_request(BASE)
    edited = apply_edit(request, {"strength": "0:(0.9)", "prompts": {"10": "a city"}})
    assert (edited.strength, edited.prompts, edited.frames) == ("0:(0.9)", {10: "a city"}, 48)
    with pytest.raises(InvalidInput, match="frames, width cannot change while running") as error:
        apply_edit(request, {"frames": 10, "width": 128})
    assert error.value.field == "changes"
    with pytest.raises(InvalidInput, match=re.escape("frame 0 gives 0.1")) as error:
        apply_edit(request, {"strength": "0:(0.1)"})
    assert (error.value.field, error.value.where) == ("strength", "edit")


@pytest.mark.parametrize(
    ("model", "fields", "field", "message"),
    [
        ("tiny-sd", {"width": 60}, "width", "not a multiple of 8 for tiny-sd; use 56 or 64"),
        ("tiny-flux", {"height": 72}, "height", "not a multiple of 16 for tiny-flux; use 64 or 80"),
        ("tiny-flux", {"negative_prompt": "blur"}, "negative_prompt", "does not use a negative prompt"),
        ("tiny-sd", {"width": 2048}, "width", "outside 32..1024"),
        ("tiny-sd", {"init_image": "/nowhere/start.png"}, "init_image", "does not exist"),
        ("tiny-sd", {"sprite": {"image": "/nowhere/bee.png"}}, "sprite.image", "does not exist"),
        ("tiny-sd", {"audio": "/nowhere/song.mp3"}, "audio", "does not exist"),
    ],
)
def test_requests_are_checked_against_the_model_and_files(
    model: str, fields: dict[str, Any], field: str, message: str
) -> None:
    request = parse_animation_request({**BASE, "model": model, "width": 64, "height": 64, **fields})
    with pytest.raises(InvalidInput, match=re.escape(message)) as error:
        check_animation(request, resolve_model(model).family)
    assert error.value.field == field


def test_a_bad_request_makes_no_frame(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="multiple of 8"):
        run_animation(tiny_request(width=60), models=engine, work_dir=tmp_path, control=NullControl())
    assert not (tmp_path / "frames").exists()


def test_a_timeline_gives_each_frame_its_prompt_seed_and_values() -> None:
    request = parse_animation_request(
        {**BASE, "prompts": {"0": "a forest", "24": "a city"}, "zoom": "0:(1.0), 24:(1.24)", "seed": 5}
    )
    timeline = Timeline(request, seed=5, default_guidance=7.0)
    assert [timeline.at(f).prompt for f in (0, 23, 24, 47)] == ["a forest", "a forest", "a city", "a city"]
    assert [timeline.at(f).seed for f in (0, 1, 10)] == [5, 6, 15]  # iter
    assert timeline.at(12).zoom == pytest.approx(1.12) and timeline.at(40).zoom == pytest.approx(1.24)
    assert timeline.at(30).guidance == 7.0  # no guidance schedule: the family's default
    for behaviour, expected in (("fixed", [5, 5]), ("random", [seed_for_frame("random", 5, f) for f in (0, 1)])):
        other = Timeline(apply_edit(request, {"seed_behaviour": behaviour}), seed=5, default_guidance=7.0)
        assert [other.at(0).seed, other.at(1).seed] == expected
    scheduled = apply_edit(request, {"seed_behaviour": "schedule", "seed_schedule": "0:(100), 10:(110)"})
    assert Timeline(scheduled, seed=5, default_guidance=7.0).at(4).seed == 104


def test_kiln_animate_names_bad_flags_and_reads_yaml(tmp_path: Path) -> None:
    refused = CliRunner().invoke(app, ["animate", "--prompt", "a forest", "--zoom", "0:(1.0) 10:(2)"])
    assert isinstance(refused.exception, InvalidInput) and refused.exception.field == "zoom"
    Image.new("RGB", (64, 64), "blue").save(tmp_path / "start.png")
    (tmp_path / "animation.yaml").write_text(
        "model: tiny-sd\nprompts: {0: a forest}\nframes: 2\nwidth: 64\nheight: 64\nsteps: 2\n"
        "strength: '0:(0.5)'\nseed: 3\ninit_image: start.png\n"
    )
    result = CliRunner().invoke(
        app, ["animate", "--from", str(tmp_path / "animation.yaml"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "animation.mp4").is_file() and len(list((tmp_path / "o" / "frames").iterdir())) == 2


def test_an_animation_without_a_size_plans_the_model_familys_default_size() -> None:
    """No width or height: the size `kiln models` lists for the model (tiny-sd: 128x128), not a fixed 512x512."""
    family = resolve_model("tiny-sd").family
    bare = parse_animation_request({"model": "tiny-sd", "prompts": {"0": "a forest"}})
    assert (bare.width, bare.height) == (None, None)
    assert frame_size(bare, family) == (128, 128)
    sized = with_size(bare, family)
    assert (sized.width, sized.height) == (128, 128) and with_size(sized, family) == sized
    assert frame_size(tiny_request(width=96, height=64), family) == (96, 64)  # explicit sides are kept
    assert frame_size(bare.model_copy(update={"width": 64}), family) == (64, 64)  # one side: a square
    hub = resolve_model("stabilityai/stable-diffusion-3.5-medium").family  # the family's size, not one for all
    assert frame_size(bare, hub) == size_for_aspect(DEFAULT_ASPECT, hub.default_megapixels, hub.size_multiple)


def test_an_animation_run_without_a_size_makes_frames_of_the_default_size(engine: Engine, tmp_path: Path) -> None:
    """The worker's path (an API item has no size unless given): frames at 128x128, the size written to the state
    so a resumed run agrees on it."""
    request = tiny_request(frames=1, steps=2).model_copy(update={"width": None, "height": None})
    run_animation(request, models=engine, work_dir=tmp_path, control=NullControl())
    [frame] = (tmp_path / "frames").glob("frame_*.png")
    with Image.open(frame) as image:
        assert image.size == (128, 128)
    run_animation(request, models=engine, work_dir=tmp_path, control=NullControl())  # the same request resumes
