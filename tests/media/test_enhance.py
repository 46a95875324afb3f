"""Frame enhancement: the bilateral filter smooths flat areas but keeps edges; unsharp masking sharpens."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageFilter

from kiln.media.enhance import bilateral_filter, enhance_frame, unsharp_mask


def noisy_edge() -> Image.Image:
    """64x64: left half grey 60, right half grey 190 (a hard vertical edge), plus Gaussian noise (sigma 6)."""
    base = np.full((64, 64, 3), 60.0)
    base[:, 32:] = 190.0
    noise = np.random.default_rng(1).normal(0, 6, base.shape)
    return Image.fromarray(np.clip(np.rint(base + noise), 0, 255).astype(np.uint8))


def values(image: Image.Image) -> npt.NDArray[np.float64]:
    return np.asarray(image).astype(np.float64)


def test_bilateral_smooths_flat_areas_and_keeps_the_edge() -> None:
    image = noisy_edge()
    filtered = values(bilateral_filter(image))
    before = values(image)
    assert filtered[:, 4:28].std() < before[:, 4:28].std() / 2
    assert filtered[:, 36:60].std() < before[:, 36:60].std() / 2
    assert filtered[:, 31].mean() == pytest.approx(60, abs=4)  # the edge stays one pixel sharp
    assert filtered[:, 32].mean() == pytest.approx(190, abs=4)
    blurred = values(image.filter(ImageFilter.GaussianBlur(1.5)))  # what a plain blur does to the edge
    assert abs(blurred[:, 31].mean() - 60) > 20


def test_bilateral_modes_and_identity() -> None:
    image = noisy_edge()
    with_alpha = image.convert("RGBA")
    with_alpha.putalpha(Image.new("L", image.size, 77))
    out = bilateral_filter(with_alpha)
    assert out.mode == "RGBA" and np.asarray(out)[..., 3].tolist() == np.asarray(with_alpha)[..., 3].tolist()
    grey = bilateral_filter(image.convert("L"))
    assert grey.mode == "L" and values(grey)[:, 4:28].std() < values(image.convert("L"))[:, 4:28].std()
    assert np.array_equal(values(bilateral_filter(image, radius=0)), values(image))
    assert bilateral_filter(Image.new("RGB", (2, 2), (9, 9, 9)), radius=3).getpixel((0, 0)) == (9, 9, 9)
    with pytest.raises(ValueError):
        bilateral_filter(image, sigma_color=0)


def test_unsharp_mask_steepens_a_soft_edge() -> None:
    soft = noisy_edge().filter(ImageFilter.GaussianBlur(2))
    sharpened = unsharp_mask(soft, radius=2, percent=150, threshold=0)

    def steepest(image: Image.Image) -> float:
        return float(np.abs(np.diff(values(image)[:, :, 0], axis=1)).max())

    assert steepest(sharpened) > 1.3 * steepest(soft)
    flat = Image.new("RGB", (16, 16), (100, 150, 200))
    assert np.array_equal(values(unsharp_mask(flat)), values(flat))
    assert unsharp_mask(soft.convert("RGBA")).mode == "RGBA"


def test_enhance_frame_knobs() -> None:
    image = noisy_edge()
    assert np.array_equal(values(enhance_frame(image)), values(image))
    smoothed = values(enhance_frame(image, smooth=1.0))
    assert smoothed[:, 4:28].std() < values(image)[:, 4:28].std()
    assert enhance_frame(image, smooth=0.5, sharpen=0.5).size == image.size
    with pytest.raises(ValueError):
        enhance_frame(image, sharpen=2)
