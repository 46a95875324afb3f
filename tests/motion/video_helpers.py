"""Small builders for the video tests: an input image, tiny requests, decoded frames, recording controls."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

from kiln.motion.video_request import VideoRequest

Frame = npt.NDArray[np.float32]


def input_image(path: Path, size: tuple[int, int] = (48, 40)) -> Path:
    """A picture with structure (a gradient and a bright square), wider than tall like most photos."""
    width, height = size
    data = np.zeros((height, width, 3), np.uint8)
    data[..., 0] = np.linspace(20, 220, width, dtype=np.uint8)[None, :]
    data[..., 1] = np.linspace(200, 40, height, dtype=np.uint8)[:, None]
    data[height // 3 : height // 3 + 10, width // 3 : width // 3 + 10] = (250, 250, 80)
    Image.fromarray(data).save(path)
    return path


def tiny_request(**fields: Any) -> VideoRequest:
    """Text-to-video with tiny LTX at 32x32, 9 frames of 2 steps at 8 fps, unless fields say otherwise."""
    values: dict[str, Any] = {
        "model": "tiny-ltx",
        "prompt": "a red boat on a calm sea",
        "frames": 9,
        "fps": 8,
        "width": 32,
        "height": 32,
        "steps": 2,
        "seed": 11,
    }
    values.update(fields)
    return VideoRequest.model_validate(values)


def decoded_frames(path: Path) -> list[Frame]:
    """Every frame of a video file, decoded by PyAV, as float32 RGB arrays."""
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(np.float32) for frame in container.decode(video=0)]


def steps_between(frames: list[Frame]) -> list[float]:
    """Mean absolute difference between each frame and the next."""
    return [float(np.abs(b - a).mean()) for a, b in pairwise(frames)]


class RecordingControl:
    """Records progress messages; stops once `stop_when()` turns true."""

    def __init__(self, stop_when: Callable[[], bool] = lambda: False) -> None:
        self.messages: list[str] = []
        self.calls: list[tuple[int, int]] = []
        self._stop_when = stop_when

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls.append((done, total))
        self.messages.append(message)

    def should_stop(self) -> bool:
        return self._stop_when()

    def segments_rendered(self) -> list[int]:
        """The 1-based numbers of the segments this control saw steps of."""
        seen = [int(m.split("/")[0].removeprefix("segment ")) for m in self.messages if m.startswith("segment ")]
        return sorted(set(seen))
