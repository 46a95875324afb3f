"""Rendering storyboards for real: tiny-sd images, a tiny-ltx clip, a feedback-loop animation, espeak-ng narration,
music and subtitles, cut into an MP4 that PyAV reads back. A re-render after an edit, or after a stop, makes only
the assets that are missing (the tests count them)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import pytest

from kiln.errors import Cancelled, InvalidInput
from kiln.media.audio import write_tone
from kiln.media.video import probe_video
from kiln.motion.storyboard import parse_storyboard
from kiln.motion.storyboard.cache import AssetCache
from kiln.motion.storyboard.report import RenderReport
from kiln.motion.storyboard.runner import Render, render_storyboard, run_storyboard
from kiln.motion.task import NullControl

FPS = 12
PADDING = 0.5  # defaults.narration_padding


def six_scenes(music: Path) -> dict[str, Any]:
    return {
        "title": "The Keeper",
        "defaults": {
            "model": "tiny-sd",
            "width": 64,
            "height": 64,
            "steps": 2,
            "fps": FPS,
            "resolution": "320x180",
            "duration": 1.0,
            "video_model": "tiny-ltx",
        },
        "music": str(music),
        "music_volume": 0.3,
        "subtitles": "on",
        "scenes": [
            {
                "id": "harbour",
                "prompt": "a harbour at dawn",
                "narration": "Dawn.",
                "duration": "fit",
                "transition": {"kind": "crossfade", "duration": 0.25},
            },
            {"id": "storm", "prompt": "a storm", "shot": {"kind": "ken_burns", "zoom": [1.0, 1.3]}},
            {"id": "ship", "prompt": "a ship", "shot": {"kind": "image_to_video", "frames": 9, "steps": 2}},
            {"id": "waves", "prompt": "waves", "shot": {"kind": "animation", "frames": 3}},
            {"id": "gulls", "prompt": "gulls over the sea", "narration": "Gulls cry.", "duration": 1.5},
            {"id": "night", "prompt": "night", "shot": {"kind": "ken_burns", "pan": [[0.2, 0.5], [0.8, 0.5]]}},
        ],
    }


@dataclass
class StopWhen:
    """A `TaskControl` that asks to stop once a progress message contains `text`."""

    text: str
    stopping: bool = False
    messages: list[str] = field(default_factory=list)

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.messages.append(message)
        self.stopping = self.stopping or self.text in message

    def should_stop(self) -> bool:
        return self.stopping


@dataclass(frozen=True)
class Rendered:
    story: dict[str, Any]
    work_dir: Path
    render: Render


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tone(tmp_path_factory.mktemp("music") / "theme.wav", seconds=2.0, frequency=330)


@pytest.fixture(scope="module")
def first(engine: Any, music: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    story = six_scenes(music)
    work_dir = tmp_path_factory.mktemp("render")
    render = render_storyboard(parse_storyboard(story), models=engine, work_dir=work_dir, control=NullControl())
    return Rendered(story, work_dir, render)


def counts(report: RenderReport) -> dict[str, dict[str, int]]:
    return {state: {str(kind): n for kind, n in by_kind.items()} for state, by_kind in report.counts().items()}


def planned_frames(story: dict[str, Any], speech: dict[str, float]) -> int:
    """The storyboard's length in frames by its rules: a scene lasts its duration, or its line plus the padding
    (and its crossfade) when that is longer; crossfades overlap neighbours."""
    scenes = story["scenes"]
    total = 0
    for index, scene in enumerate(scenes):
        fade = scene.get("transition", {}).get("duration", 0.0) if index < len(scenes) - 1 else 0.0
        asked = scene.get("duration", story["defaults"]["duration"])
        frames = 0 if asked == "fit" else round(asked * FPS)
        if "narration" in scene:
            frames = max(frames, math.ceil((speech[scene["narration"]] + PADDING + fade) * FPS - 1e-6))
        total += frames - round(fade * FPS)
    return total


def test_six_scenes_render_to_an_mp4_with_sound_and_subtitles(first: Rendered) -> None:
    video, subtitles = first.render.outputs
    assert (video.name, video.content_type) == ("the-keeper.mp4", "video/mp4")
    assert subtitles.name == "the-keeper.srt"
    assert counts(first.render.report)["made"] == {"image": 6, "motion": 2, "narration": 2, "final": 1}

    with av.open(str(video.path)) as container:
        assert [stream.type for stream in container.streams] == ["video", "audio"]
    info = probe_video(video.path)
    assert (info.width, info.height, info.fps) == (320, 180, FPS)
    cache = AssetCache(first.work_dir)
    speech = {
        asset.text: float(cached.metadata["duration"])
        for asset in first.render.plan.narration_assets()
        if (cached := cache.get(asset.key)) is not None
    }
    assert len(speech) == 2
    planned = planned_frames(first.story, speech)
    assert abs(info.duration - planned / FPS) <= 1 / FPS
    assert info.frames == planned
    srt = subtitles.path.read_text()
    assert "Dawn." in srt and "Gulls cry." in srt
    assert video.metadata["assets"] == first.render.report.to_dict()
    warnings = " ".join(video.metadata["warnings"])  # 'ship' (9 frames) and 'waves' (3) are shorter than 1 s
    assert (
        "scene #3 'ship': its clip lasts 0.75 s" in warnings and "scene #4 'waves': its clip lasts 0.25 s" in warnings
    )
    assert "set shot.fit: loop or shot.fit: stretch" in warnings


def test_the_clip_and_the_animation_are_cached_videos(first: Rendered) -> None:
    cache = AssetCache(first.work_dir)
    clips = {scene.scene.id: cache.get(scene.motion.key) for scene in first.render.plan.scenes if scene.motion}
    assert set(clips) == {"ship", "waves"}
    ship, waves = clips["ship"], clips["waves"]
    assert ship is not None and waves is not None
    assert probe_video(ship.file()).frames == 9
    assert probe_video(waves.file()).frames == 3
    assert not (ship.folder / "work").exists()  # the runner's checkpoints go once the clip is done


def test_rendering_again_reuses_every_asset(first: Rendered, engine: Any) -> None:
    again = render_storyboard(
        parse_storyboard(first.story), models=engine, work_dir=first.work_dir, control=NullControl()
    )
    assert counts(again.report)["made"] == {"image": 0, "motion": 0, "narration": 0, "final": 0}
    assert counts(again.report)["reused"] == {"image": 6, "motion": 2, "narration": 2, "final": 1}
    assert again.outputs[0].path == first.render.outputs[0].path


@pytest.fixture
def copied(first: Rendered, tmp_path: Path) -> Iterator[Path]:
    """A copy of the first render's cache, for tests that add to it."""
    work_dir = tmp_path / "render"
    shutil.copytree(first.work_dir, work_dir)
    yield work_dir


def test_editing_one_scene_regenerates_only_that_scenes_assets_and_the_final_cut(
    first: Rendered, copied: Path, engine: Any
) -> None:
    story = six_scenes(Path(first.story["music"]))
    story["scenes"][2]["prompt"] = "a ship in a gale"
    edited = render_storyboard(parse_storyboard(story), models=engine, work_dir=copied, control=NullControl())
    assert counts(edited.report) == {
        "made": {"image": 1, "motion": 1, "narration": 0, "final": 1},
        "reused": {"image": 5, "motion": 1, "narration": 2, "final": 0},
    }
    old, new = first.render.plan.scenes[2], edited.plan.scenes[2]
    assert edited.report.made["image"] == [new.image.key] != [old.image.key]
    assert new.motion is not None and edited.report.made["motion"] == [new.motion.key]
    assert probe_video(edited.outputs[0].path).has_audio


def test_a_stopped_render_resumes_without_remaking_finished_assets(engine: Any, music: Path, tmp_path: Path) -> None:
    story = six_scenes(music)
    story["scenes"] = story["scenes"][3:5]  # the animation (3 frames), then a narrated still
    stop = StopWhen("frame 2 of 3")
    with pytest.raises(Cancelled):
        run_storyboard(parse_storyboard(story), models=engine, work_dir=tmp_path, control=stop)
    assert any("images of" in message for message in stop.messages)

    watch = StopWhen("never said")
    resumed = render_storyboard(parse_storyboard(story), models=engine, work_dir=tmp_path, control=watch)
    assert any("resuming" in message for message in watch.messages)  # from the animation's saved frames
    assert counts(resumed.report) == {
        "made": {"image": 0, "motion": 1, "narration": 1, "final": 1},
        "reused": {"image": 2, "motion": 0, "narration": 0, "final": 0},
    }
    assert probe_video(resumed.outputs[0].path).has_audio


def test_a_crossfade_longer_than_its_scene_is_reported_naming_the_scene(engine: Any, tmp_path: Path) -> None:
    story = {
        "defaults": {"model": "tiny-sd", "width": 64, "height": 64, "steps": 1, "fps": FPS, "resolution": "64x64"},
        "scenes": [
            {"id": "a", "prompt": "a", "duration": 1.0, "transition": {"kind": "crossfade", "duration": 0.5}},
            {"id": "b", "prompt": "b", "duration": 0.25},
        ],
    }
    with pytest.raises(InvalidInput) as caught:
        run_storyboard(parse_storyboard(story), models=engine, work_dir=tmp_path, control=NullControl())
    assert (caught.value.where, caught.value.field) == ("scene #1 'a'", "transition.duration")
    assert "shorten the crossfade" in caught.value.message
