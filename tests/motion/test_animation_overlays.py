"""The HUD and the sprite: they change the pixels where they are drawn and nowhere else, and never feed back."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from kiln.engine.executor import Engine
from kiln.motion.animation.hud import HudValues, draw_hud, hud_box, hud_lines
from kiln.motion.animation.request import Corner, SpriteOptions
from kiln.motion.animation.runner import run_animation
from kiln.motion.animation.sprite import clear_of, overlay_sprite, sprite_box, sprite_placement
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
    options = SpriteOptions(image="unused.png", size=0.3, depth=0.6, period=48, path="sway")
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
            values = HudValues(frame, 3, settings.seed, 4, settings.guidance, 0.5, 1.0, 0.0, 0.0, 0.0, settings.prompt)
            hud = hud_box((128, 128), values, "bottom-right")
            placement = clear_of(sprite_image, sprite_placement(frame, (128, 128), sprite), hud, (128, 128))
            allowed = box_mask((128, 128), hud, inclusive=True)
            allowed |= box_mask((128, 128), sprite_box(sprite_image, placement), False)
            mask = np.any(a != b, axis=2)
            assert mask.any() and not (mask & ~allowed).any(), f"frame {frame} changed outside the HUD and sprite"


def test_the_default_sprite_crosses_right_to_left_with_a_drift_and_depth() -> None:
    options = SpriteOptions(image="unused.png", size=0.25, period=40, seed=5)
    assert options.path == "cross"
    placements = [sprite_placement(frame, (200, 100), options) for frame in range(80)]
    steps = [b.x - a.x for a, b in itertools.pairwise(placements)]
    wraps = [i for i, step in enumerate(steps) if step > 0]
    assert len(wraps) == 2 and wraps[1] - wraps[0] == 40  # leftwards every frame but one in each 40
    wrap = wraps[0]
    before, after = placements[wrap], placements[wrap + 1]
    assert before.x + before.width / 2 <= 10 and after.x - after.width / 2 >= 190  # out at the left, in at the right
    ys = [p.y for p in placements]
    assert max(ys) - min(ys) > 15  # it drifts up and down
    assert max(p.width for p in placements) > 1.5 * min(p.width for p in placements)  # nearer and farther


@pytest.mark.parametrize("size", [(64, 64), (96, 64), (128, 128), (512, 512), (1024, 576)])
def test_the_hud_fits_its_frame(size: tuple[int, int]) -> None:
    values = HudValues(99, 100, 123456789, 30, 7.5, 0.65, 1.025, -12.5, 3.0, -1.5, "a misty forest at dawn, " * 6)
    left, top, right, bottom = hud_box(size, values)
    width, height = size
    assert 0 <= left <= right < width and 0 <= top <= bottom < height  # inside the frame
    assert bottom - top + 1 <= height / 3  # never more than a third of the frame
    drawn = draw_hud(Image.new("RGB", size, BACKGROUND), values)
    assert changed(Image.new("RGB", size, BACKGROUND), drawn)[top : bottom + 1, left : right + 1].mean() > 0.9
    if width >= 512:
        text = "\n".join(hud_lines(values))
        assert all(word in text for word in ("seed", "denoise", "pan", "angle -1.5", "a misty forest"))


def test_on_a_small_frame_the_sprite_stays_out_of_the_hud(engine: Engine, tmp_path: Path) -> None:
    Image.new("RGBA", (16, 16), (0, 255, 0, 255)).save(tmp_path / "sprite.png")
    sprite = SpriteOptions(image=str(tmp_path / "sprite.png"), size=0.5, depth=0.0, period=4, path="sway", seed=1)
    request = tiny_request(frames=4, hud={"corner": "top-left"}, sprite=sprite)  # 64 x 64
    run_animation(request, models=engine, work_dir=tmp_path, control=NullControl())
    timeline = Timeline(request, seed=7, default_guidance=7.0)
    with Image.open(tmp_path / "sprite.png") as sprite_image:
        for frame, pixels in enumerate(read_frames(tmp_path)):
            settings = timeline.at(frame)
            values = HudValues(frame, 4, settings.seed, 4, settings.guidance, 0.5, 1.0, 0.0, 0.0, 0.0, settings.prompt)
            hud = hud_box((64, 64), values, "top-left")
            assert hud[3] - hud[1] + 1 <= 64 / 3
            placement = clear_of(sprite_image, sprite_placement(frame, (64, 64), sprite), hud, (64, 64))
            left, top, right, bottom = sprite_box(sprite_image, placement)
            assert top > hud[3]  # below the HUD box
            visible = (min(right, 64) - max(left, 0)) * (min(bottom, 64) - max(top, 0))
            green = np.all(pixels == (0, 255, 0), axis=2).sum()
            assert green == visible > 0, f"frame {frame}: the sprite is hidden"
