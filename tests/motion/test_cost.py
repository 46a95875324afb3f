"""What a motion request costs a quota: the frames a model generates for it (`kiln.motion.cost`), no torch."""

from __future__ import annotations

from typing import Any

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.motion.cost import frames_generated, job_frames
from kiln.presets.styles import StyleBook


def video(**fields: Any) -> dict[str, Any]:
    return {"model": "tiny-ltx", "prompt": "a boat", **fields}


@pytest.mark.parametrize(
    ("kind", "request_", "frames"),
    [
        ("animation", {"model": "tiny-sd", "prompts": {"0": "a forest"}, "frames": 100_000}, 100_000),
        ("animation", {"model": "tiny-sd", "prompts": {"0": "a forest"}}, 48),  # the default length
        ("video", video(frames=9), 9),
        # three segments of 17 (each starts from the last frame of the one before): 51 made for 33 shown
        ("video", video(frames=33, segments=3), 51),
        # ping-pong plays 9 frames forwards and 7 back: 9 made for 16 shown
        ("video", video(frames=16, loop="pingpong"), 9),
        ("video", video(frames=9, image="storage:alice/in.png", mode="i2v", prompt=""), 9),
        ("assembly", {"shots": []}, 0),
    ],
)
def test_frames_generated(kind: str, request_: dict[str, Any], frames: int) -> None:
    assert frames_generated(kind, request_) == frames


def test_a_storyboard_counts_its_images_and_its_clips_frames() -> None:
    storyboard = {
        "defaults": {"model": "tiny-sd", "width": 64, "height": 64, "steps": 2, "video_model": "tiny-ltx"},
        "scenes": [
            {"id": "harbour", "prompt": "a harbour", "duration": 1.0},
            {"id": "forest", "prompt": "a forest", "shot": {"kind": "animation", "frames": 5}},
            {"id": "boat", "prompt": "a boat", "shot": {"kind": "image_to_video", "frames": 9}},
        ],
    }
    assert frames_generated("storyboard", storyboard) == 3 + 5 + 9


def test_a_job_sums_its_items_and_names_a_bad_one() -> None:
    settings, styles = Settings(), StyleBook([])
    assert job_frames("video", [video(frames=9), video(frames=17)], settings=settings, styles=styles) == 26
    with pytest.raises(InvalidInput) as bad:
        job_frames("video", [video(frames=9), video(frames=9, prompt="")], settings=settings, styles=styles)
    assert bad.value.field == "items.1.prompt"
