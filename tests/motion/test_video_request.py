"""VideoRequest validation and planning: fields named in every error, segment and loop arithmetic. No torch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiln.engine.catalog import resolve_model
from kiln.engine.families import FAMILIES
from kiln.engine.video_item import VideoItem
from kiln.engine.video_modes import model_for_mode, supported_modes
from kiln.errors import InvalidInput
from kiln.motion.video_plan import plan_segments, plan_video
from kiln.motion.video_request import parse_video_request
from tests.motion.video_helpers import input_image, tiny_request


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frames": 1}, "frames"),
        ({"frames": 9, "duration": 1.0}, "duration"),
        ({"mode": "i2v"}, "image"),
        ({"mode": "t2v", "image": "x.png"}, "image"),
        ({"format": "gif", "audio": "x.wav"}, "audio"),
        ({"format": "webp", "crf": 20}, "crf"),
        ({"crf": 60}, "crf"),
        ({"crf": 20, "bitrate": "2M"}, "bitrate"),
        ({"loop_frames": 3}, "loop_frames"),
        ({"segments": 0}, "segments"),
        ({"segments": []}, "segments"),
        ({"enhance": {"smooth": 2}}, "enhance.smooth"),
        ({"format": "avi"}, "format"),
        ({"colour": "red"}, "colour"),
        ({"name": "../escape"}, "name"),
    ],
)
def test_a_bad_request_names_its_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_video_request(fields)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"model": "tiny-sd"}, "model", "image model"),
        ({"model": "tiny-svd", "prompt": ""}, "mode", "image-to-video only"),
        ({"prompt": ""}, "prompt", "needs a prompt"),
        ({"width": 40}, "width", "multiple of 32"),
        ({"motion_bucket_id": 40}, "motion_bucket_id", "Stable Video Diffusion"),
        ({"frames": 17, "segments": 9}, "segments", "at most 2 segments"),
        ({"frames": 600, "segments": 2}, "segments", "at least 3 segments"),
        ({"steps": 300}, "steps", "above 150"),
        ({"frames": None, "duration": 0.1}, "duration", "under 2 frames"),
        ({"loop": "crossfade", "loop_frames": 10}, "loop_frames", "longer than the video"),
        ({"audio": "/no/such/tone.wav"}, "audio", "does not exist"),
        ({"image": "/no/such/picture.png", "prompt": ""}, "image", "does not exist"),
    ],
)
def test_a_request_the_model_cannot_make_names_its_field(fields: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_video(tiny_request(**fields))
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_svd_reads_no_text(tmp_path: Path) -> None:
    image = str(input_image(tmp_path / "in.png"))
    with pytest.raises(InvalidInput) as caught:
        plan_video(tiny_request(model="tiny-svd", image=image, width=32, height=32))
    assert caught.value.field == "prompt"
    plan = plan_video(tiny_request(model="tiny-svd", image=image, prompt="", frames=4, fps=None))
    [item] = plan.segments
    assert (item.motion_bucket_id, item.noise_aug_strength, item.fps) == (127, 0.02, 7.0)  # SVD's defaults


def test_an_unreadable_image_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    with pytest.raises(InvalidInput) as caught:
        plan_video(tiny_request(image=str(broken)))
    assert caught.value.field == "image"


def test_five_segments_chain_text_to_video_then_image_to_video() -> None:
    prompts = ["a boat leaves the harbour", "", "open sea", "a storm", "the boat returns"]
    plan = plan_video(tiny_request(frames=41, segments=prompts, seed=100))
    assert (plan.segment_frames, plan.content_frames, plan.frames) == (9, 41, 41)
    assert [item.mode for item in plan.segments] == ["t2v", "i2v", "i2v", "i2v", "i2v"]
    assert [item.seed for item in plan.segments] == [100, 101, 102, 103, 104]
    assert plan.segments[1].prompt == "a red boat on a calm sea"  # an empty segment prompt repeats the prompt
    assert [item.prompt for item in plan.segments][2:] == prompts[2:]
    assert all(item.image is None for item in plan.segments)  # later ones get the previous last frame
    assert plan.recipe()["segment_prompts"][0] == prompts[0]


def test_a_long_video_is_split_into_the_fewest_segments_of_the_family_form() -> None:
    plan = plan_video(tiny_request(frames=600))  # LTX clips are at most 257 frames, 8k+1
    assert len(plan.segments) == 3
    assert plan.segment_frames == 201 and (plan.segment_frames - 1) % 8 == 0
    assert 3 * (plan.segment_frames - 1) + 1 >= 600
    short = plan_video(tiny_request(frames=None, duration=2.0, fps=8))  # 16 frames: one 17-frame clip, cut
    assert (len(short.segments), short.segment_frames, short.frames) == (1, 17, 16)


@pytest.mark.parametrize("segments", [5, ["a red boat", "", "a storm", "", "calm again"]])
def test_segments_without_a_length_chain_clips_of_the_default_length(segments: int | list[str]) -> None:
    """`kiln video -p ... --model tiny-wan --segments 5` (the README's command): five default-length clips."""
    plan = plan_video(tiny_request(model="tiny-wan", frames=None, segments=segments))
    assert (len(plan.segments), plan.segment_frames, plan.frames) == (5, 17, 5 * 16 + 1)
    assert len(plan_video(tiny_request(model="tiny-wan", frames=None)).segments) == 1  # no segments: one default clip


def test_loops_generate_what_they_need_for_the_asked_length() -> None:
    crossfade = plan_video(tiny_request(frames=12, loop="crossfade", loop_frames=4))
    assert (crossfade.content_frames, crossfade.frames, crossfade.loop_frames) == (16, 12, 4)
    pingpong = plan_video(tiny_request(frames=12, loop="pingpong"))
    assert (pingpong.content_frames, pingpong.frames) == (7, 12)  # 7 forwards, 5 back


def test_image_to_video_size_follows_the_image_aspect(tmp_path: Path) -> None:
    image = str(input_image(tmp_path / "wide.png", size=(96, 48)))
    plan = plan_video(tiny_request(model="tiny-wan", image=image, width=None, height=None))
    assert (plan.width, plan.height) == (96, 48)  # the tiny family's 64x64 area at 2:1, multiples of 16
    one_side = plan_video(tiny_request(model="tiny-wan", image=image, width=64, height=None))
    assert (one_side.width, one_side.height) == (64, 32)


def test_wan_image_to_video_runs_its_companion_model(tmp_path: Path) -> None:
    image = str(input_image(tmp_path / "in.png"))
    [item] = plan_segments(tiny_request(model="tiny-wan", image=image))
    assert (item.mode, item.model) == ("i2v", "tiny-wan-i2v")
    chained = plan_video(tiny_request(model="tiny-wan", frames=17, segments=2))
    assert [item.model for item in chained.segments] == ["tiny-wan", "tiny-wan-i2v"]
    assert chained.recipe()["models"] == ["tiny-wan", "tiny-wan-i2v"]


def test_video_families_and_their_modes() -> None:
    assert supported_modes(resolve_model("tiny-ltx")) == ("t2v", "i2v")
    assert supported_modes(resolve_model("tiny-svd")) == ("i2v",)
    assert supported_modes(resolve_model("tiny-wan")) == ("t2v", "i2v")
    assert supported_modes(resolve_model("tiny-sd")) == ()
    assert model_for_mode("Wan-AI/Wan2.1-T2V-1.3B-Diffusers", "i2v").name == "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
    assert resolve_model("Lightricks/LTX-Video").family.name == "ltx"
    ltx, wan, svd = FAMILIES["ltx"].video, FAMILIES["wan"].video, FAMILIES["svd"].video
    assert ltx is not None and wan is not None and svd is not None
    assert ltx.valid_frames(121) and not ltx.valid_frames(120) and not ltx.valid_frames(265)
    assert wan.valid_frames(81) and not wan.valid_frames(83)
    assert svd.motion_conditioning and not FAMILIES["svd"].text_encoders


def test_a_video_item_round_trips_and_groups_by_what_a_call_shares() -> None:
    [item] = plan_segments(tiny_request())
    assert VideoItem.from_dict(item.to_dict()) == item
    signature = item.signature()
    assert (signature.kind, signature.model, signature.width) == ("t2v", "tiny-ltx", 32)
    [longer] = plan_segments(tiny_request(frames=17))
    assert longer.signature() != signature  # a different length cannot share the call


def test_a_seedless_request_draws_a_seed_unless_given_one() -> None:
    request = tiny_request(seed=None)
    assert plan_video(request, seed=5).seed == 5
    assert plan_video(tiny_request(seed=9), seed=5).seed == 9  # the request's own wins


def test_too_many_segments_for_a_ping_pong_says_that_ping_pong_halves_the_frames() -> None:
    with pytest.raises(InvalidInput) as caught:
        plan_video(tiny_request(frames=17, segments=3, loop="pingpong"))
    message = caught.value.message
    assert caught.value.field == "segments"
    assert "ping-pong" in message and "generates only 9 frames" in message
    assert "--frames 48" in message and "at most 1 segments" in message
    plan = plan_video(tiny_request(frames=48, segments=3, loop="pingpong"))  # the suggested length works
    assert (len(plan.segments), plan.frames) == (3, 48)
