"""Small builders for the animation tests: tiny requests (tiny SD, 64x64, 4 steps at strength 0.5) and frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from kiln.motion.animation.request import AnimationRequest

Frame = npt.NDArray[np.int16]


def tiny_request(**fields: Any) -> AnimationRequest:
    values: dict[str, Any] = {
        "model": "tiny-sd",
        "frames": 6,
        "fps": 12,
        "width": 64,
        "height": 64,
        "steps": 4,
        "strength": "0:(0.5)",
        "seed": 7,
        "prompts": {0: "a misty forest"},
    }
    values.update(fields)
    return AnimationRequest.model_validate(values)


def read_frames(work_dir: Path) -> list[Frame]:
    """Every saved frame, in order, as int16 arrays (so differences do not wrap)."""
    paths = sorted((work_dir / "frames").glob("frame_*.png"))
    frames = []
    for path in paths:
        with Image.open(path) as image:
            frames.append(np.asarray(image.convert("RGB"), dtype=np.int16))
    return frames


def difference(a: Frame, b: Frame) -> int:
    return int(np.abs(a - b).max())
