"""What a motion job costs its owner's quota: the frames a model generates for it (torch-free, for the API).

- `animation`: its `frames` (each frame is one txt2img or img2img pass).
- `video`: every frame of every segment as the model makes them (`segments * segment_frames`), so a ping-pong or
  a crossfade loop counts what is generated, not what is played.
- `storyboard`: one image per distinct scene image, plus the frames of its clips and animations (as planned at
  submit: a clip whose scene lasts as long as its narration counts the model's default length).
- `assembly`: 0; it puts existing images and clips together and generates nothing with a model.
- `lipsync`, `avatar`: 0 here; their length is the input video's or the speech's, which the API measures at submit
  (`kiln.motion.lipsync.cost`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.motion.animation.request import AnimationRequest
from kiln.motion.runners import request_model
from kiln.motion.video_request import VideoRequest
from kiln.presets.styles import StyleBook

__all__ = ["frames_generated", "job_frames", "size_field"]


def _video_frames(request: VideoRequest) -> int:
    from kiln.motion.video_plan import plan_video  # reads image files: imported when a video is costed

    # the length and segments follow from the request and its family, not from the input files (which over the
    # API are still references here)
    bare = request.model_copy(update={"image": None, "audio": None, "mode": request.resolved_mode})
    plan = plan_video(bare, seed=0, local=False)
    return len(plan.segments) * plan.segment_frames


def _storyboard_frames(request: Any, settings: Settings, styles: StyleBook) -> int:
    from kiln.motion.storyboard.plan import plan_render

    plan = plan_render(request.model_copy(update={"music": None}), settings=settings, styles=styles)
    clips = (asset.request for _, asset in plan.motion_assets())
    return len(plan.image_assets()) + sum(_request_frames(clip) for clip in clips)


def _request_frames(request: Any) -> int:
    if isinstance(request, AnimationRequest):
        return request.frames
    if isinstance(request, VideoRequest):
        return _video_frames(request)
    raise TypeError(f"no cost rule for {type(request).__name__}")


def frames_generated(
    kind: str, request: Mapping[str, Any], *, settings: Settings | None = None, styles: StyleBook | None = None
) -> int:
    """The frames a model generates for one `kind` request (a validated request's JSON); `InvalidInput` naming
    the field when the request cannot be planned."""
    if kind in ("assembly", "lipsync", "avatar"):
        return 0
    if kind == "upscale":  # one pass of the upscaler: one image
        return 1
    if kind == "animation":  # its frame count, without checking every frame's schedules a second time
        return int(request.get("frames", AnimationRequest.model_fields["frames"].default))
    parsed = request_model(kind).model_validate(dict(request))
    if kind == "storyboard":
        return _storyboard_frames(parsed, settings or Settings(), styles or StyleBook([]))
    return _request_frames(parsed)


def _length_field(kind: str, request: Mapping[str, Any]) -> str | None:
    if kind == "animation":
        return "frames"
    if kind == "video":  # a video's length is set by its segments, its frames or its duration
        return next((name for name in ("segments", "frames", "duration") if request.get(name) is not None), "frames")
    return None  # a storyboard: its scenes as a whole


def size_field(kind: str, requests: Sequence[Mapping[str, Any]]) -> str:
    """The request field that sets a motion job's cost, for an error saying what to lower: `items.0.frames` for
    one animation, `items` for several requests."""
    if len(requests) != 1:
        return "items"
    field = _length_field(kind, requests[0])
    return "items.0" if field is None else f"items.0.{field}"


def job_frames(kind: str, requests: Sequence[Mapping[str, Any]], *, settings: Settings, styles: StyleBook) -> int:
    """The frames of a whole motion job; errors name the item as `items.<i>.<field>`."""
    total = 0
    for index, request in enumerate(requests):
        try:
            total += frames_generated(kind, request, settings=settings, styles=styles)
        except InvalidInput as exc:
            raise InvalidInput(f"items.{index}.{exc.field}", exc.message, where=exc.where) from exc
    return total
