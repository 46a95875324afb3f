"""2D motion: identity, zoom, translation, rotation direction, borders without black corners, Ken Burns crops."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from kiln.media.motion import Border, ease, ken_burns_frames, transform_frame

SIZE = 64


def textured(size: int = SIZE) -> Image.Image:
    """A smooth colour field with no black anywhere (values 60..220)."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    rgb = np.stack([60 + 160 * x, 60 + 160 * y, 140 + 80 * np.sin(6 * x * y)], axis=2)
    return Image.fromarray(np.rint(rgb).astype(np.uint8))


def pixels(image: Image.Image) -> npt.NDArray[np.int64]:
    return np.asarray(image).astype(np.int64)


def marker(x: int, y: int, size: int = SIZE) -> Image.Image:
    """A 3x3 white block centred on (x, y) on black."""
    data = np.zeros((size, size), np.uint8)
    data[y - 1 : y + 2, x - 1 : x + 2] = 255
    return Image.fromarray(data)


def centroid(image: Image.Image) -> tuple[float, float]:
    weights = np.asarray(image).astype(np.float64)
    ys, xs = np.mgrid[0 : weights.shape[0], 0 : weights.shape[1]]
    return float((xs * weights).sum() / weights.sum()), float((ys * weights).sum() / weights.sum())


def test_zoom_one_is_identity() -> None:
    image = textured()
    assert np.array_equal(pixels(transform_frame(image)), pixels(image))
    assert np.abs(pixels(transform_frame(image, zoom=1.0, angle=360.0)) - pixels(image)).max() <= 1
    assert np.abs(pixels(transform_frame(image, zoom=1.0000001)) - pixels(image)).max() <= 1


def test_zoom_enlarges_the_centre() -> None:
    data = np.zeros((SIZE, SIZE), np.uint8)
    data[27:37, 27:37] = 255  # a 10x10 square about the centre (31.5, 31.5)
    zoomed = np.asarray(transform_frame(Image.fromarray(data), zoom=2.0))
    bright = zoomed > 128
    assert 18 * 18 <= bright.sum() <= 22 * 22  # twice the side: about 20x20
    assert bright[31, 31] and bright[31, 39] and not bright[31, 44]
    assert centroid(Image.fromarray(zoomed)) == pytest.approx((31.5, 31.5), abs=0.05)


def test_zoom_out_below_one_shrinks() -> None:
    data = np.zeros((SIZE, SIZE), np.uint8)
    data[22:42, 22:42] = 255
    bright = np.asarray(transform_frame(Image.fromarray(data), zoom=0.5, border="replicate")) > 128
    assert 8 * 8 <= bright.sum() <= 12 * 12


@pytest.mark.parametrize(("dx", "dy"), [(7, -4), (-12, 3), (0, 9)])
def test_translation_moves_a_marker_by_whole_pixels(dx: int, dy: int) -> None:
    moved = transform_frame(marker(30, 30), translate_x=dx, translate_y=dy)
    assert np.array_equal(np.argwhere(np.asarray(moved) == 255).mean(axis=0), [30 + dy, 30 + dx])
    assert centroid(moved) == pytest.approx((30 + dx, 30 + dy), abs=1e-6)


def test_fractional_translation_moves_the_centroid() -> None:
    moved = transform_frame(marker(30, 30), translate_x=2.5, translate_y=-1.25)
    assert centroid(moved) == pytest.approx((32.5, 28.75), abs=0.1)


def test_rotation_is_counter_clockwise_about_the_centre() -> None:
    image = textured()
    assert np.array_equal(pixels(transform_frame(image, angle=90)), np.rot90(pixels(image)))
    turned = transform_frame(marker(50, 31), angle=90)  # right of centre -> above it
    assert centroid(turned) == pytest.approx((31.5 - 0.5, 31.5 - 18.5), abs=0.6)


@pytest.mark.parametrize("border", ["reflect", "replicate", "wrap"])
def test_no_black_corners_after_rotation(border: Border) -> None:
    image = textured()
    turned = pixels(transform_frame(image, angle=30, zoom=0.8, border=border))
    corners = [turned[:6, :6], turned[:6, -6:], turned[-6:, :6], turned[-6:, -6:]]
    assert min(int(corner.min()) for corner in corners) >= 40
    plain = pixels(image.rotate(30, resample=Image.Resampling.BICUBIC))  # what a plain rotate leaves
    assert int(plain[:3, :3].max()) == 0


def test_reflect_border_mirrors_the_edge() -> None:
    row = np.tile(np.arange(0, 160, 10, dtype=np.uint8), (4, 1))  # 16 columns: 0, 10, ..., 150
    shifted = np.asarray(transform_frame(Image.fromarray(row), translate_x=3))
    assert list(shifted[0, :5]) == [30, 20, 10, 0, 10]


def test_modes() -> None:
    assert transform_frame(textured().convert("RGBA"), angle=10).mode == "RGBA"
    grey = transform_frame(Image.new("L", (32, 16), 200), angle=45, zoom=0.7)
    assert grey.mode == "L" and grey.size == (32, 16) and np.asarray(grey).min() == 200
    assert transform_frame(textured().convert("P"), zoom=1.1).mode == "RGB"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="zoom"):
        transform_frame(textured(), zoom=0)
    with pytest.raises(ValueError, match="finite"):
        transform_frame(textured(), angle=float("nan"))
    with pytest.raises(ValueError, match="border"):
        transform_frame(textured(), zoom=1.1, border="black")  # type: ignore[arg-type]


def test_ease() -> None:
    assert [ease(s) for s in (0.0, 0.5, 1.0)] == [0.0, 0.5, 1.0]
    assert ease(0.1) < 0.1 and ease(0.9) > 0.9
    assert ease(0.3, "linear") == 0.3 and ease(-1) == 0.0 and ease(2) == 1.0


def test_ken_burns_starts_and_ends_on_the_right_crops() -> None:
    image = textured(96).crop((0, 16, 96, 80))  # 96x64, 3:2
    frames = list(ken_burns_frames(image, frames=16, size=(48, 32), start_zoom=1.0, end_zoom=2.0))
    assert len(frames) == 16 and {f.size for f in frames} == {(48, 32)}
    whole = image.resize((48, 32), Image.Resampling.LANCZOS)
    centre = image.resize((48, 32), Image.Resampling.LANCZOS, box=(24, 16, 72, 48))
    assert np.abs(pixels(frames[0]) - pixels(whole)).max() <= 1
    assert np.abs(pixels(frames[-1]) - pixels(centre)).max() <= 1


def test_ken_burns_pan_is_eased_and_stays_inside() -> None:
    gradient = Image.fromarray(np.tile(np.arange(256, dtype=np.uint8), (64, 1)))  # brighter to the right
    frames = ken_burns_frames(
        gradient, frames=24, size=(32, 32), start_zoom=1.5, end_zoom=1.5, start_center=(0.0, 0.5), end_center=(1.0, 0.5)
    )
    means = [float(np.asarray(f).mean()) for f in frames]
    steps = [b - a for a, b in itertools.pairwise(means)]
    assert all(step > 0 for step in steps)
    assert steps[0] < steps[11] / 4 and steps[-1] < steps[11] / 4  # slow in, slow out
    assert means[0] == pytest.approx(21, abs=1.5)  # crop 42.7 px wide, pushed inside the left edge
    assert means[-1] == pytest.approx(255 - 21, abs=1.5)


def test_ken_burns_refuses_zoom_below_one() -> None:
    with pytest.raises(ValueError, match="zoom"):
        ken_burns_frames(textured(), frames=4, size=(32, 32), start_zoom=0.5)
    with pytest.raises(ValueError, match="frames"):
        ken_burns_frames(textured(), frames=0, size=(32, 32))
    assert len(list(ken_burns_frames(textured(), frames=1, size=(16, 16)))) == 1
