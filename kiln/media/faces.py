"""Face boxes for lip-sync: OpenCV's frontal-face Haar cascade (the XML shipped inside `opencv-python-headless`,
so nothing is downloaded), the largest face per frame, gaps filled from the nearest frame with a face, a moving
average over 5 frames so the pasted crop does not jitter, then the caller's padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Box", "Padding", "detect_face", "face_boxes"]

SMOOTHING_FRAMES = 5


@dataclass(frozen=True, slots=True)
class Padding:
    """Pixels added around a detected face: Wav2Lip's default takes 10 more below, for the chin."""

    top: int = 0
    bottom: int = 10
    left: int = 0
    right: int = 0


@dataclass(frozen=True, slots=True)
class Box:
    """A crop: `x1 <= x < x2`, `y1 <= y < y2` in pixels."""

    x1: int
    y1: int
    x2: int
    y2: int

    def to_list(self) -> list[int]:
        return [self.x1, self.y1, self.x2, self.y2]


@cache
def _cascade() -> Any:
    import cv2

    # the cascade XML ships inside the wheel (OpenCV 4; OpenCV 5 dropped it, hence the <5 pin)
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")  # type: ignore[attr-defined]


def detect_face(rgb: NDArray[np.uint8]) -> tuple[float, float, float, float] | None:
    """The largest face in an RGB frame as (x1, y1, x2, y2), or None."""
    import cv2

    gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    side = min(gray.shape)
    found = _cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(max(side // 12, 20),) * 2)
    if len(found) == 0:
        return None
    x, y, w, h = max(found, key=lambda box: int(box[2]) * int(box[3]))
    return float(x), float(y), float(x + w), float(y + h)


def face_boxes(
    detections: Sequence[tuple[float, float, float, float] | None],
    *,
    width: int,
    height: int,
    padding: Padding,
) -> list[Box]:
    """One smoothed, padded box per frame; a frame without a detection takes the nearest frame's. `ValueError`
    when no frame has a face."""
    found = [i for i, box in enumerate(detections) if box is not None]
    if not found:
        raise ValueError("no face found in any frame")
    raw = np.array([detections[min(found, key=lambda j: abs(j - i))] for i in range(len(detections))], dtype=np.float64)
    half = SMOOTHING_FRAMES // 2
    smooth = np.array([raw[max(0, i - half) : i + half + 1].mean(axis=0) for i in range(len(raw))])
    boxes = []
    for x1, y1, x2, y2 in smooth:
        box = Box(
            max(0, round(x1) - padding.left),
            max(0, round(y1) - padding.top),
            min(width, round(x2) + padding.right),
            min(height, round(y2) + padding.bottom),
        )
        if box.x2 - box.x1 < 2 or box.y2 - box.y1 < 2:
            raise ValueError("the padding leaves no face to draw; make it smaller")
        boxes.append(box)
    return boxes
