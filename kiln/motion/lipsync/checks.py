"""Checks of a lip-sync's or an avatar's inputs, before anything runs (torch-free: the API makes them at submit,
the runner again when it starts). Errors name the request field and the file as the caller gave it."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from kiln.errors import InvalidInput
from kiln.media.audio import check_audio
from kiln.media.faces import Box, detect_face
from kiln.media.video import probe_video, rgb_frames
from kiln.motion.lipsync.request import BUILT_IN_CHECKPOINTS, MAX_LIPSYNC_SECONDS

__all__ = ["check_checkpoint", "check_face_in_video", "check_speech", "check_video", "portrait_box"]

_SAMPLED_FRAMES = 5  # frames looked at for a face at submit (the run looks at every frame)


def check_video(path: Path, field: str = "video", shown: str | None = None) -> tuple[float, int]:
    """The video's fps and frame count; `InvalidInput` naming `field` when it is unreadable or too long."""
    label = shown or path.name
    try:
        info = probe_video(path)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise InvalidInput(
            field, f"{label} is not a video kiln can read ({str(exc).replace(str(path), label)})"
        ) from None
    if info.frames < 1 or info.fps <= 0:
        raise InvalidInput(field, f"{label} has no frames")
    if info.duration > MAX_LIPSYNC_SECONDS:
        raise InvalidInput(
            field, f"{label} lasts {info.duration:.0f} s; lip-sync takes at most {MAX_LIPSYNC_SECONDS:.0f} s, cut it"
        )
    return info.fps, info.frames


def check_face_in_video(path: Path, frames: int, field: str = "video", shown: str | None = None) -> None:
    """`InvalidInput` when none of a few frames spread over the video shows a face."""
    wanted = {round(i * (frames - 1) / max(_SAMPLED_FRAMES - 1, 1)) for i in range(_SAMPLED_FRAMES)}
    if any(detect_face(frame) for index, frame in enumerate(rgb_frames(path)) if index in wanted):
        return
    raise InvalidInput(field, f"no face found in {shown or path.name}; give a video with a face in view, upright")


def check_speech(path: Path, field: str = "audio", shown: str | None = None) -> None:
    try:
        check_audio(path)
    except ValueError as exc:
        raise InvalidInput(field, str(exc).replace(str(path), shown or path.name)) from None


def check_checkpoint(name: str, *, local: bool) -> None:
    """Over the API only the built-in names (a path would make the server load a file of its own disk)."""
    if not local and name not in BUILT_IN_CHECKPOINTS:
        raise InvalidInput("checkpoint", f"use one of {', '.join(BUILT_IN_CHECKPOINTS)}; paths are for the CLI")
    if local and name not in BUILT_IN_CHECKPOINTS and not Path(name).expanduser().is_file():
        raise InvalidInput("checkpoint", f"no Wav2Lip checkpoint at {name}; give wav2lip.pth or tiny-wav2lip")


def portrait_box(path: Path, field: str = "image", shown: str | None = None) -> tuple[Box, tuple[int, int]]:
    """The face in a portrait and the portrait's size; `InvalidInput` naming `field` when there is none."""
    label = shown or path.name
    try:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
    except OSError:
        raise InvalidInput(field, f"{label} is not an image kiln can read; give a PNG, JPEG or WebP") from None
    found = detect_face(rgb)
    if found is None:
        raise InvalidInput(field, f"no face found in {label}; give a portrait with the face in view, upright")
    x1, y1, x2, y2 = (round(v) for v in found)
    return Box(x1, y1, x2, y2), (rgb.shape[1], rgb.shape[0])
