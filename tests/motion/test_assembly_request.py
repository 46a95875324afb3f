"""AssemblyRequest: sizes from presets or width and height, paths from the plan's folder, and errors that name the
field to change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiln.errors import InvalidInput
from kiln.motion.assembly import AssemblyRequest, parse_request


def plan(**fields: Any) -> dict[str, Any]:
    return {"shots": [{"image": "a.png", "duration": 2}], **fields}


@pytest.mark.parametrize(
    ("fields", "size"),
    [
        ({}, (1920, 1080)),
        ({"resolution": "720p"}, (1280, 720)),
        ({"resolution": "4K"}, (3840, 2160)),
        ({"resolution": "2160p"}, (3840, 2160)),
        ({"width": 320, "height": 180}, (320, 180)),
    ],
)
def test_sizes(fields: dict[str, Any], size: tuple[int, int]) -> None:
    assert parse_request(plan(**fields)).size == size


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (plan(resolution="8k"), "resolution", "'720p', '1080p' or '4k'"),
        ({"shots": [{"image": "a.png", "duration": 0}]}, "shots[0].duration", "greater than 0"),
        ({"shots": [{"image": "a.png", "clip": "b.mp4"}]}, "shots[0]", "exactly one of image"),
        ({"shots": [{"duration": 2}]}, "shots[0]", "exactly one of image"),
        ({"shots": []}, "shots", "at least 1"),
        (plan(width=320), "request", "width and height together"),
        (plan(width=321, height=180), "request", "even"),
        (plan(resolution="720p", width=320, height=180), "request", "not both"),
        (plan(fps=0), "fps", "greater than 0"),
        ({"shots": [{"image": "a.png", "transition": {"kind": "wipe"}}]}, "shots[0].transition.kind", "crossfade"),
        (plan(speed=2), "speed", "unknown field"),
    ],
)
def test_bad_input_names_the_field(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_request(data, where="plan.yaml")
    assert error.value.field == field
    assert words in error.value.message
    assert str(error.value).startswith("plan.yaml: ")


def test_relative_paths_are_taken_from_the_plan_folder(tmp_path: Path) -> None:
    request = parse_request(
        {
            "shots": [{"image": "stills/a.png", "duration": 1}, {"clip": "/abs/clip.mp4"}],
            "music": {"path": "music.mp3"},
        }
    ).resolved(tmp_path)
    assert request.shots[0].image == tmp_path / "stills/a.png"
    assert request.shots[1].clip == Path("/abs/clip.mp4")
    assert request.music is not None and request.music.path == tmp_path / "music.mp3"


def test_blank_narration_is_no_narration() -> None:
    request = AssemblyRequest.model_validate({"shots": [{"image": "a.png", "duration": 1, "narration": "  "}]})
    assert request.shots[0].narration is None
