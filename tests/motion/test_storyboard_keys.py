"""Asset keys: each asset's key hashes its own inputs and its dependencies' keys, so an edit changes exactly the
keys downstream of it. Planning also resolves every image up front and names the scene of a bad option."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.media.audio import write_tone
from kiln.motion.storyboard import RenderPlan, parse_storyboard, plan_render
from kiln.presets.styles import load_styles

SETTINGS = Settings(default_model="tiny-sd")
STYLES = load_styles(None)


def story(**changes: Any) -> dict[str, Any]:
    """Six scenes, one of each shot kind and more, narration on some."""
    data: dict[str, Any] = {
        "defaults": {"width": 64, "height": 64, "steps": 2, "fps": 12, "video_model": "tiny-ltx"},
        "scenes": [
            {"id": "harbour", "prompt": "a harbour at dawn", "narration": "Dawn.", "duration": "fit"},
            {"id": "storm", "prompt": "a storm", "shot": {"kind": "ken_burns", "zoom": [1.0, 1.3]}},
            {"id": "ship", "prompt": "a ship", "shot": {"kind": "image_to_video", "frames": 9}, "narration": "Go."},
            {"id": "waves", "prompt": "waves", "shot": {"kind": "animation", "frames": 4}},
            {"id": "gulls", "prompt": "gulls", "narration": "Gulls."},
            {"id": "night", "prompt": "night", "shot": {"kind": "ken_burns"}},
        ],
    }
    for path, value in changes.items():
        target: Any = data
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return data


def plan(data: dict[str, Any], base_dir: Path | None = None) -> RenderPlan:
    return plan_render(parse_storyboard(data, base_dir=base_dir), settings=SETTINGS, styles=STYLES)


def changed(before: RenderPlan, after: RenderPlan) -> dict[str, set[int | str]]:
    """Which scenes' keys differ, by kind (scene positions from 0), and whether the final key does."""
    result: dict[str, set[int | str]] = {"image": set(), "motion": set(), "narration": set(), "final": set()}
    for index, (old, new) in enumerate(zip(before.scenes, after.scenes, strict=True)):
        if old.image.key != new.image.key:
            result["image"].add(index)
        if (old.motion and old.motion.key) != (new.motion and new.motion.key):
            result["motion"].add(index)
        if (old.narration and old.narration.key) != (new.narration and new.narration.key):
            result["narration"].add(index)
    if before.final_key != after.final_key:
        result["final"].add("final")
    return result


def test_editing_scene_3s_prompt_changes_its_image_motion_and_the_final_key_only() -> None:
    before, after = plan(story()), plan(story(**{"scenes.2.prompt": "a ship in a gale"}))
    assert changed(before, after) == {"image": {2}, "motion": {2}, "narration": set(), "final": {"final"}}


def test_editing_a_narration_line_changes_its_audio_and_the_final_key_only() -> None:
    before, after = plan(story()), plan(story(**{"scenes.2.narration": "Sail on."}))
    assert changed(before, after) == {"image": set(), "motion": set(), "narration": {2}, "final": {"final"}}


def test_editing_a_ken_burns_pan_or_a_transition_changes_only_the_final_key() -> None:
    before = plan(story())
    for edit in ({"scenes.1.shot": {"kind": "ken_burns", "zoom": [1.0, 1.5]}}, {"scenes.4.transition": "crossfade"}):
        assert changed(before, plan(story(**edit))) == {
            "image": set(),
            "motion": set(),
            "narration": set(),
            "final": {"final"},
        }


def test_editing_a_video_shot_changes_its_motion_but_not_its_image() -> None:
    before, after = plan(story()), plan(story(**{"scenes.3.shot": {"kind": "animation", "frames": 6}}))
    assert changed(before, after) == {"image": set(), "motion": {3}, "narration": set(), "final": {"final"}}


def test_a_clip_without_frames_lasts_its_scene_so_its_duration_is_part_of_its_key() -> None:
    timed = {"kind": "image_to_video", "steps": 2}
    before = plan(story(**{"scenes.2.shot": timed, "scenes.2.duration": 2.0}))
    after = plan(story(**{"scenes.2.shot": timed, "scenes.2.duration": 3.0}))
    assert changed(before, after) == {"image": set(), "motion": {2}, "narration": set(), "final": {"final"}}
    still_edit = plan(story(**{"scenes.4.duration": 2.0}))
    assert changed(plan(story()), still_edit) == {
        "image": set(),
        "motion": set(),
        "narration": set(),
        "final": {"final"},
    }


def test_a_model_that_reads_no_text_gets_no_prompt() -> None:
    svd = plan(story(**{"scenes.2.shot": {"kind": "image_to_video", "model": "tiny-svd", "frames": 4}}))
    motion = svd.scenes[2].motion
    assert motion is not None and motion.request.model_dump()["prompt"] == ""


def test_a_shared_default_changes_every_image_and_motion_but_no_narration() -> None:
    before, after = plan(story()), plan(story(**{"defaults.steps": 3}))
    assert changed(before, after) == {
        "image": set(range(6)),
        "motion": {2, 3},
        "narration": set(),
        "final": {"final"},
    }


def test_the_same_plan_twice_has_the_same_keys_and_moving_a_scene_keeps_its_assets() -> None:
    first, again = plan(story()), plan(story())
    assert first.keys() == again.keys()
    data = story()
    data["scenes"].insert(0, data["scenes"].pop(4))
    moved = plan(data)
    assert set(moved.keys()["image"]) == set(first.keys()["image"])
    assert moved.final_key != first.final_key


def test_music_counts_by_its_bytes(tmp_path: Path) -> None:
    write_tone(tmp_path / "a.wav", seconds=0.5, frequency=440)
    write_tone(tmp_path / "b.wav", seconds=0.5, frequency=440)
    write_tone(tmp_path / "c.wav", seconds=0.5, frequency=660)
    keys = {name: plan(story(music=name), tmp_path).final_key for name in ("a.wav", "b.wav", "c.wav")}
    assert keys["a.wav"] == keys["b.wav"] != keys["c.wav"]
    assert plan(story(music="a.wav"), tmp_path).keys()["image"] == plan(story()).keys()["image"]


@pytest.mark.parametrize(
    ("edit", "where", "field", "message"),
    [
        ({"scenes.1.style": "no-such-style"}, "scene #2 'storm'", "style", "unknown style"),
        ({"defaults.video_model": None}, "scene #3 'ship'", "shot.model", "needs a video model"),
        ({"defaults.width": 65}, None, "defaults.width", "multiple of 8"),  # said of the defaults, not scene #1
        ({"defaults.model": "tiny-sdd"}, None, "defaults.model", "unknown model 'tiny-sdd'"),
        ({"music": "gone.wav"}, None, "music", "does not exist"),
        (
            {"scenes.2.shot": {"kind": "image_to_video", "model": "tiny-sd"}},
            "scene #3 'ship'",
            "shot.model",
            "image model",
        ),
        (
            {"scenes.2.shot": {"kind": "image_to_video", "model": "tiny-svd", "prompt": "sail"}},
            "scene #3 'ship'",
            "shot.prompt",
            "reads no text",
        ),
        (
            {"scenes.3.shot": {"kind": "animation", "frames": 4, "strength": "0:(0.5), 2:(1.5)"}},
            "scene #4 'waves'",
            "shot.strength",
            "frame 2 gives 1.5",
        ),
    ],
)
def test_planning_names_the_scene_of_a_bad_option(
    tmp_path: Path, edit: dict[str, Any], where: str | None, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan(story(**edit), tmp_path)
    assert (caught.value.where, caught.value.field) == (where, field)
    assert message in caught.value.message
