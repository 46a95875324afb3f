"""Storyboard manifests: YAML and JSON load alike, relative paths follow the file, and every mistake is reported
naming the scene (number and id) and the field."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from kiln.errors import InvalidInput
from kiln.motion.storyboard import KenBurnsShot, StillShot, Storyboard, VideoShot, load_storyboard, parse_storyboard

STORY = """\
title: The keeper
defaults: {width: 64, height: 64, steps: 2, fps: 12, resolution: 320x180, duration: 1.5}
music: audio/theme.wav
subtitles: on
scenes:
  - id: harbour
    prompt: a harbour at dawn
    narration: Every morning the keeper climbed the stairs.
    duration: fit
    transition: crossfade
  - id: storm
    prompt: a storm at sea
    shot: {kind: ken_burns, zoom: [1.0, 1.4], pan: [[0.2, 0.5], [0.8, 0.5]]}
  - id: ship
    prompt: a ship in the waves
    shot: {kind: image_to_video, model: tiny-ltx, frames: 9}
"""


def write(folder: Path, text: str, name: str = "story.yaml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_a_yaml_storyboard_loads_with_paths_relative_to_its_file(tmp_path: Path) -> None:
    story = load_storyboard(write(tmp_path, STORY))
    assert story.music == tmp_path / "audio" / "theme.wav"  # checked when the render is planned
    assert story.subtitles == "on"  # YAML reads a bare `on` as true
    assert story.output_size == (320, 180)
    first, second, third = story.scenes
    assert first.duration == "fit" and first.transition is not None and first.transition.kind == "crossfade"
    assert first.shot == StillShot()
    assert second.shot == KenBurnsShot(zoom=(1.0, 1.4), pan=((0.2, 0.5), (0.8, 0.5)))
    assert isinstance(third.shot, VideoShot) and third.shot.frames == 9
    assert second.duration is None  # defaults.duration applies when planned


def test_json_gives_the_same_storyboard_as_yaml(tmp_path: Path) -> None:
    from_yaml = load_storyboard(write(tmp_path, STORY))
    data = yaml.safe_load(STORY)
    from_json = load_storyboard(write(tmp_path, json.dumps(data), "story.json"))
    assert from_json == from_yaml


def test_scene_seeds_are_stable_when_scenes_are_added_or_moved() -> None:
    story = parse_storyboard({"scenes": [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y", "seed": 5}]})
    moved = parse_storyboard({"scenes": [{"id": "new", "prompt": "z"}, {"id": "a", "prompt": "x"}]})
    assert story.scene_seed(story.scenes[0]) == moved.scene_seed(moved.scenes[1])
    assert story.scene_seed(story.scenes[1]) == 5
    assert moved.scene_seed(moved.scenes[0]) != moved.scene_seed(moved.scenes[1])


def scenes_text(third: str) -> str:
    return f"""\
scenes:
  - {{id: harbour, prompt: a harbour}}
  - {{id: storm, prompt: a storm}}
  - {third}
"""


SCENE = scenes_text("{id: ship, prompt: a ship}")


@pytest.mark.parametrize(
    ("text", "where", "field", "message"),
    [
        (
            scenes_text("{id: ship, prompt: a ship, shot: {kind: ken_burns, zoom: [0.5, 1.2]}}"),
            "story.yaml: scene #3 'ship'",
            "shot.zoom.0",
            "greater than or equal to 1",
        ),
        (
            scenes_text("{id: ship, prompt: a ship, shot: {kind: dolly}}"),
            "story.yaml: scene #3 'ship'",
            "shot",
            "'still', 'ken_burns', 'image_to_video', 'animation'",
        ),
        (
            scenes_text("{id: ship, prompt: a ship, duration: fit}"),
            "story.yaml: scene #3 'ship'",
            "duration",
            "this scene has none; give seconds",
        ),
        (
            scenes_text("{id: ship, prompt: a ship, duration: -2}"),
            "story.yaml: scene #3 'ship'",
            "duration",
            "greater than 0",
        ),
        (
            scenes_text("{id: ship, promt: a ship}"),
            "story.yaml: scene #3 'ship'",
            "promt",
            "is not a storyboard field",
        ),
        (scenes_text("{id: ship}"), "story.yaml: scene #3 'ship'", "prompt", "is required"),
        (scenes_text("{prompt: a ship}"), "story.yaml: scene #3", "id", "is required"),
        (scenes_text("{id: 'my ship!', prompt: a ship}"), "story.yaml: scene #3 'my ship!'", "id", "letters, digits"),
        (
            scenes_text("{id: ship, prompt: a ship, shot: {kind: animation, prompts: {12: a wave}}}"),
            "story.yaml: scene #3 'ship'",
            "shot",
            "frame 0",
        ),
        (
            scenes_text("{id: ship, prompt: a ship, transition: wipe}"),
            "story.yaml: scene #3 'ship'",
            "transition.kind",
            "'cut' or 'crossfade'",
        ),
        (
            scenes_text("{id: storm, prompt: a ship}"),
            "story.yaml",
            "scenes",
            "scene #3 'storm' has the id of scene #2",
        ),
        ("defaults: {resolution: big}\n" + SCENE, "story.yaml", "defaults.resolution", "WIDTHxHEIGHT"),
        ("defaults: {resolution: 321x180}\n" + SCENE, "story.yaml", "defaults.resolution", "even"),
        ("title: t\nscenes: []\n", "story.yaml", "scenes", "at least 1"),
        ("- just a list\n", "story.yaml", "storyboard", "a mapping"),
        ("scenes:\n  - {id: a, prompt: [unclosed\n", "story.yaml", "storyboard", "line 3"),
    ],
)
def test_mistakes_name_the_scene_and_the_field(tmp_path: Path, text: str, where: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_storyboard(write(tmp_path, text))
    assert re.sub(r", line \d+", "", caught.value.where or "") == where
    assert caught.value.field == field
    assert message in caught.value.message


def test_a_json_syntax_error_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"story\.json: storyboard: line 2, column"):
        load_storyboard(write(tmp_path, '{"scenes":\n [,]}', "story.json"))


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_storyboard(tmp_path / "nope.yaml")


def test_the_model_validates_on_its_own_as_a_job_request() -> None:
    story = Storyboard.model_validate({"scenes": [{"id": "a", "prompt": "x", "shot": {"kind": "animation"}}]})
    assert story.scenes[0].shot.kind == "animation"


def test_a_mistake_names_its_line(tmp_path: Path) -> None:
    text = STORY.replace("zoom: [1.0, 1.4]", "zoom: [0.5, 1.4]").replace("frames: 9}", "frames: 9, colour: red}")
    with pytest.raises(InvalidInput) as caught:
        load_storyboard(write(tmp_path, text))
    assert str(caught.value).startswith("story.yaml, line 16: scene #3 'ship': shot.colour:")  # the typo first
    with pytest.raises(InvalidInput) as caught:
        load_storyboard(write(tmp_path, STORY.replace("zoom: [1.0, 1.4]", "zoom: [0.5, 1.4]")))
    assert str(caught.value).startswith("story.yaml, line 13: scene #2 'storm': shot.zoom.0:")
    with pytest.raises(InvalidInput) as caught:
        load_storyboard(write(tmp_path, STORY.replace("subtitles: on", "subtitles: loud")))
    assert str(caught.value).startswith("story.yaml, line 4: subtitles:")
