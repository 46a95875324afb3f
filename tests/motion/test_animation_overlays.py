"""The HUD and the sprite: they change the pixels where they are drawn and nowhere else, and never feed back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from kiln.engine.executor import Engine
from kiln.motion.animation.hud import HudValues, draw_hud, hud_box, hud_lines
from kiln.motion.animation.request import Corner, SpriteOptions
from kiln.motion.animation.runner import run_animation
from kiln.motion.animation.sprite import overlay_sprite, sprite_box, sprite_placement
from kiln.motion.animation.timeline import Timeline
from kiln.motion.task import NullControl
from tests.motion.animation_helpers import read_frames, tiny_request

VALUES = HudValues(11, 48, 1012, 4, 7.0, 0.5, 1.02, 1.0, -0.5)
BACKGROUND = (200, 180, 160)


def changed(before: Image.Image, after: Image.Image) -> npt.NDArray[np.bool_]:
    mask: npt.NDArray[np.bool_] = np.any(np.asarray(before) != np.asarray(after), axis=2)
    return mask


def box_mask(size: tuple[int, int], box: tuple[int, int, int, int], inclusive: bool) -> npt.NDArray[np.bool_]:
    left, top, right, bottom = box
    mask = np.zeros((size[1], size[0]), dtype=bool)
    end = 1 if inclusive else 0
    mask[max(top, 0) : max(bottom + end, 0), max(left, 0) : max(right + end, 0)] = True
    return mask


@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_the_hud_darkens_exactly_its_box_in_its_corner(corner: Corner) -> None:
    frame = Image.new("RGB", (320, 180), BACKGROUND)
    drawn = draw_hud(frame, VALUES, corner)
    box = hud_box(frame.size, VALUES, corner)
    assert np.array_equal(changed(frame, drawn), box_mask(frame.size, box, inclusive=True))
    left, top, right, bottom = box
    assert (left < 160) == corner.endswith("left") and (top < 90) == corner.startswith("top")
    assert right - left < 160 and bottom - top < 90  # a corner, not the picture


def test_the_hud_shows_the_frame_values() -> None:
    text = "\n".join(hud_lines(VALUES))
    for shown in ("frame 12/48", "seed 1012", "steps 4", "cfg 7", "denoise 0.50", "zoom 1.020", "pan +1.0,-0.5"):
        assert shown in text


def test_the_sprite_changes_only_its_box_and_keeps_its_transparency() -> None:
    sprite = Image.new("RGBA", (40, 20), (255, 0, 0, 255))
    sprite.paste((0, 0, 0, 0), (0, 0, 20, 20))  # the left half is transparent
    frame = Image.new("RGB", (256, 256), BACKGROUND)
    placement = sprite_placement(5, frame.size, SpriteOptions(image="unused.png", size=0.3, seed=3))
    drawn = overlay_sprite(frame, sprite, placement)
    box = sprite_box(sprite, placement)
    mask = changed(frame, drawn)
    assert mask.any() and not (mask & ~box_mask(frame.size, box, inclusive=False)).any()
    left, top, right, bottom = box
    quarter = (right - left) // 4  # Lanczos blends the two halves where they meet: look at the outer quarters
    assert not mask[top:bottom, left : left + quarter].any()  # transparent: untouched
    assert mask[top + 2 : bottom - 2, right - quarter : right - 2].all()  # opaque: drawn


def test_the_sprite_drifts_and_is_smaller_farther_away() -> None:
    options = SpriteOptions(image="unused.png", size=0.3, depth=0.6, period=48)
    placements = [sprite_placement(frame, (256, 256), options) for frame in range(200)]
    by_depth = sorted(placements, key=lambda p: p.depth)
    assert [p.width for p in by_depth] == sorted((p.width for p in placements), reverse=True)
    assert by_depth[0].width >= 70 and by_depth[-1].width <= 35  # 30% of 256 near, down to 40% of it far
    xs, ys = [p.x for p in placements], [p.y for p in placements]
    assert max(xs) - min(xs) > 100 and max(ys) - min(ys) > 60  # it wanders over the frame
    assert all(0 <= x <= 256 for x in xs) and all(0 <= y <= 256 for y in ys)
    other = sprite_placement(10, (256, 256), options.model_copy(update={"seed": 1}))
    assert (other.x, other.y) != (placements[10].x, placements[10].y)  # the seed shapes the path


def test_overlays_touch_only_their_boxes_and_never_feed_back(engine: Engine, tmp_path: Path) -> None:
    Image.new("RGBA", (16, 16), (0, 255, 0, 255)).save(tmp_path / "sprite.png")
    plain = tiny_request(frames=3, width=128, height=128)
    sprite = SpriteOptions(image=str(tmp_path / "sprite.png"), size=0.2, seed=2)
    decorated = tiny_request(frames=3, width=128, height=128, hud={"corner": "bottom-right"}, sprite=sprite)
    run_animation(plain, models=engine, work_dir=tmp_path / "plain", control=NullControl())
    run_animation(decorated, models=engine, work_dir=tmp_path / "decorated", control=NullControl())
    timeline = Timeline(plain, seed=7, default_guidance=7.0)
    with Image.open(tmp_path / "sprite.png") as sprite_image:
        for frame, (a, b) in enumerate(
            zip(read_frames(tmp_path / "plain"), read_frames(tmp_path / "decorated"), strict=True)
        ):
            settings = timeline.at(frame)
            values = HudValues(frame, 3, settings.seed, 4, settings.guidance, 0.5, 1.0, 0.0, 0.0)
            allowed = box_mask((128, 128), hud_box((128, 128), values, "bottom-right"), inclusive=True)
            allowed |= box_mask(
                (128, 128), sprite_box(sprite_image, sprite_placement(frame, (128, 128), sprite)), False
            )
            mask = np.any(a != b, axis=2)
            assert mask.any() and not (mask & ~allowed).any(), f"frame {frame} changed outside the HUD and sprite"
