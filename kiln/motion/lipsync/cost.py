"""What a lip-sync or talking-avatar job costs its owner's quota (torch-free, for the API).

Their length is their inputs': a lip-sync re-draws every frame of its video, an avatar's clip has as many frames as
its speech lasts at `fps` (each made by the video model, then re-drawn). The API measures them at submit from the
stored files, or from the speech it synthesizes for `text` (`kiln.api.task_submit`).
"""

from __future__ import annotations

__all__ = ["avatar_frames"]


def avatar_frames(speech_seconds: float, fps: float) -> int:
    """The frames of an avatar's clip: the speech's length at `fps`, at least the two image-to-video needs."""
    return max(2, round(speech_seconds * fps))
