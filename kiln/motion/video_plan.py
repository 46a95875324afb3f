"""Planning a video: a `VideoRequest` resolved against its model's family into segments (`VideoItem`s).

Length. The finished video has `frames` frames. A crossfade loop eats `loop_frames` of what is generated and a
ping-pong doubles it, so the joined clips are `content_frames` long. Segment i > 0 starts from the last frame of
segment i - 1 and its first frame (that same picture again) is dropped when joining, so S segments of F frames
join into S * (F - 1) + 1 frames; F is the smallest count of the family's form (`frame_step * k + 1`) that
reaches `content_frames`, and what the last segment makes beyond it is cut. Without `segments` the fewest
segments of at most the family's longest clip are used; with `segments` and no length, each segment is as long as
the family's default clip.

Models. The first segment runs in the request's mode; every later one is image-to-video from the same family (the
model itself, or its image-to-video companion: `kiln.engine.video_modes`). A random seed is drawn when the
request has none; segment i uses seed + i.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from kiln.engine.families import Family, VideoMode, VideoTraits
from kiln.engine.video_item import DEFAULT_MOTION_BUCKET_ID, DEFAULT_NOISE_AUG_STRENGTH, VideoItem
from kiln.engine.video_modes import model_for_mode
from kiln.errors import InvalidInput
from kiln.jobs.sizing import check_side, side_limits
from kiln.media.audio import check_audio
from kiln.motion.video_request import VideoRequest
from kiln.presets.aspect import round_to_multiple

__all__ = ["VideoPlan", "plan_segments", "plan_video"]

_MAX_LOOP_FRAMES = 8


@dataclass(frozen=True, slots=True)
class VideoPlan:
    """A request made concrete: sizes, lengths, seed and one `VideoItem` per segment (later segments have no
    image yet: each gets the previous segment's last frame when it runs)."""

    request: VideoRequest
    family: Family
    width: int
    height: int
    fps: float
    frames: int  # the finished video
    content_frames: int  # the joined segments, before the loop
    segment_frames: int
    loop_frames: int  # crossfade: frames blended into the start; 0 otherwise
    seed: int
    segments: tuple[VideoItem, ...]

    def recipe(self) -> dict[str, Any]:
        """How the video was made, for its metadata."""
        request, first = self.request, self.segments[0]
        recipe: dict[str, Any] = {
            "kind": "video",
            "mode": first.mode,
            "model": request.model,
            "models": sorted({item.model for item in self.segments}),
            "family": self.family.name,
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt,
            "seed": self.seed,
            "steps": first.steps,
            "guidance": first.guidance,
            "fps": self.fps,
            "frames": self.frames,
            "width": self.width,
            "height": self.height,
            "segments": len(self.segments),
            "segment_frames": self.segment_frames,
            "loop": request.loop,
            "loop_frames": self.loop_frames,
        }
        if request.segment_prompts is not None:
            recipe["segment_prompts"] = [item.prompt for item in self.segments]
        if request.image is not None:
            recipe["image"] = Path(request.image).name  # never the server's full path
        if first.motion_bucket_id is not None:
            recipe.update(motion_bucket_id=first.motion_bucket_id, noise_aug_strength=first.noise_aug_strength)
        if request.enhance.active:
            recipe["enhance"] = request.enhance.model_dump()
        return recipe


def plan_segments(request: VideoRequest) -> list[VideoItem]:
    """The segments `request` is made of (a seedless request gets a random seed)."""
    return list(plan_video(request).segments)


def plan_video(request: VideoRequest, *, seed: int | None = None, local: bool = True) -> VideoPlan:
    """Resolve `request`: `seed` is used when the request has none (a resumed run passes the one it drew);
    `local=False` for names from API callers (built-in and hub ids only)."""
    mode = request.resolved_mode
    first_model = model_for_mode(request.model, mode, local=local, family=request.family)
    family = first_model.family
    video = family.video
    assert video is not None  # model_for_mode accepts video models only
    _check_text(request, family, mode)
    _check_audio(request.audio)
    image_size = _image_size(request.image) if request.image is not None else None
    fps = request.fps or video.default_fps
    width, height = _size(request, family, video, image_size)
    frames = _length(request, video, fps)
    loop_frames, content_frames = _loop(request, frames)
    count, segment_frames = _segments_of(request, video, frames, content_frames)
    later_model = _continuation_model(request, local) if count > 1 else first_model.name
    steps = request.steps or family.default_steps
    if steps > family.max_steps:
        raise InvalidInput("steps", f"{steps} is above {family.max_steps}, the most {family.name} takes")
    base_seed = request.seed if request.seed is not None else seed if seed is not None else secrets.randbelow(2**32)
    prompts = request.segment_prompts or [""] * count
    motion_bucket_id, noise_aug_strength = _motion(request, video)
    items = tuple(
        VideoItem(
            index=index,
            mode=mode if index == 0 else "i2v",
            model=first_model.name if index == 0 else later_model,
            prompt=prompts[index] or request.prompt,
            negative_prompt=request.negative_prompt,
            width=width,
            height=height,
            frames=segment_frames,
            fps=fps,
            steps=steps,
            guidance=family.default_guidance if request.guidance is None else request.guidance,
            seed=base_seed + index,
            image=request.image if index == 0 else None,
            motion_bucket_id=motion_bucket_id,
            noise_aug_strength=noise_aug_strength,
        )
        for index in range(count)
    )
    return VideoPlan(
        request=request,
        family=family,
        width=width,
        height=height,
        fps=fps,
        frames=frames if request.loop != "pingpong" else 2 * content_frames - 2,
        content_frames=content_frames,
        segment_frames=segment_frames,
        loop_frames=loop_frames,
        seed=base_seed,
        segments=items,
    )


def _continuation_model(request: VideoRequest, local: bool) -> str:
    """The model that continues a video from its last frame: the family's image-to-video."""
    try:
        return model_for_mode(request.model, "i2v", local=local, family=request.family).name
    except InvalidInput as exc:
        if exc.field != "mode":
            raise
        raise InvalidInput(
            "segments",
            f"{request.model} cannot continue a video from its last frame (it has no image-to-video); "
            "make the video one segment, or use a model with image-to-video such as tiny-ltx",
        ) from None


def _check_text(request: VideoRequest, family: Family, mode: VideoMode) -> None:
    prompts = request.segment_prompts or []
    if not family.text_encoders:
        for field, given in (("prompt", request.prompt), ("negative_prompt", request.negative_prompt)):
            if given:
                raise InvalidInput(field, f"{family.name} reads no text; leave {field} out (the image leads)")
        if any(prompts):
            raise InvalidInput("segments", f"{family.name} reads no text; give a segment count, not prompts")
        return
    if request.negative_prompt and not family.supports_negative:
        raise InvalidInput("negative_prompt", f"{family.name} takes no negative prompt; leave it out")
    if mode == "t2v" and not (request.prompt or (prompts and prompts[0])):
        raise InvalidInput("prompt", "text-to-video needs a prompt: write what happens in the video")


def _motion(request: VideoRequest, video: VideoTraits) -> tuple[int | None, float | None]:
    """SVD's motion bucket and noise augmentation (its defaults when unset); refused for other families."""
    if not video.motion_conditioning:
        for field in ("motion_bucket_id", "noise_aug_strength"):
            if getattr(request, field) is not None:
                raise InvalidInput(field, f"{field} is for Stable Video Diffusion models only; leave it out")
        return None, None
    noise = DEFAULT_NOISE_AUG_STRENGTH if request.noise_aug_strength is None else request.noise_aug_strength
    return request.motion_bucket_id or DEFAULT_MOTION_BUCKET_ID, noise


def _check_file(field: str, path: str | None) -> None:
    if path is not None and not Path(path).is_file():
        raise InvalidInput(field, f"{path} does not exist")


def _check_audio(path: str | None) -> None:
    if path is not None:
        try:
            check_audio(path)
        except ValueError as exc:
            raise InvalidInput("audio", f"{exc}; give a sound file (WAV, MP3, AAC, Opus…)") from None


def _image_size(path: str) -> tuple[int, int]:
    _check_file("image", path)
    try:
        with Image.open(path) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("image", f"{path} is not an image Pillow can read ({exc})") from None


def _size(
    request: VideoRequest, family: Family, video: VideoTraits, image_size: tuple[int, int] | None
) -> tuple[int, int]:
    """Given sides are checked as they are; a missing side follows the input image's aspect (else the family's
    default), rounded to the family's multiple; with neither, the family's default area at that aspect."""
    aspect_w, aspect_h = image_size or (video.default_width, video.default_height)
    multiple = family.size_multiple
    low, high = side_limits(family)

    def derived(value: float) -> int:
        return min(high, max(low, round_to_multiple(value, multiple)))

    if request.width is not None and request.height is not None:
        return check_side("width", request.width, family), check_side("height", request.height, family)
    if request.width is not None:
        return check_side("width", request.width, family), derived(request.width * aspect_h / aspect_w)
    if request.height is not None:
        return derived(request.height * aspect_w / aspect_h), check_side("height", request.height, family)
    if image_size is None:
        return video.default_width, video.default_height
    area = video.default_width * video.default_height
    return derived(math.sqrt(area * aspect_w / aspect_h)), derived(math.sqrt(area * aspect_h / aspect_w))


def _length(request: VideoRequest, video: VideoTraits, fps: float) -> int:
    if request.frames is not None:
        return request.frames
    if request.duration is None:
        # "--segments 5" alone asks for five chained clips: each as long as the model's default clip
        count = len(request.segments) if isinstance(request.segments, list) else request.segments
        return (count or 1) * (video.default_frames - 1) + 1
    frames = round(request.duration * fps)
    if frames < 2:
        raise InvalidInput("duration", f"{request.duration:g} s at {fps:g} fps is under 2 frames; make it longer")
    return frames


def _loop(request: VideoRequest, frames: int) -> tuple[int, int]:
    """(crossfade frames, frames to generate) for a finished length of `frames`."""
    if request.loop == "pingpong":
        return 0, frames // 2 + 1  # plays n frames forwards and n - 2 back: 2n - 2
    if request.loop == "crossfade":
        overlap = request.loop_frames or max(1, min(_MAX_LOOP_FRAMES, frames // 4))
        if overlap > frames:
            raise InvalidInput("loop_frames", f"{overlap} is longer than the video ({frames} frames); use fewer")
        return overlap, frames + overlap
    return 0, frames


def _segments_of(request: VideoRequest, video: VideoTraits, frames: int, content: int) -> tuple[int, int]:
    """`_segments`, its refusal of too many segments explained for ping-pong, which halves what is generated."""
    try:
        return _segments(request, video, content)
    except InvalidInput as exc:
        if request.loop != "pingpong" or "more than" not in exc.message:
            raise
        count = len(request.segments) if isinstance(request.segments, list) else request.segments or 1
        needed = 2 * count * video.frame_step  # count segments generate count * step + 1 frames, played back
        most = max(1, math.ceil((content - 1) / video.frame_step))
        raise InvalidInput(
            "segments",
            f"ping-pong plays the frames forwards then backwards, so a {frames}-frame video generates only "
            f"{content} frames, and {count} segments of at least {video.frame_step + 1} frames make more than that; "
            f"use at most {most} segments, or at least {needed} frames (--frames {needed}), or --loop none",
        ) from exc


def _segments(request: VideoRequest, video: VideoTraits, content: int) -> tuple[int, int]:
    """(segment count, frames per segment) that reach `content` frames."""
    step, longest = video.frame_step, video.max_frames
    given = len(request.segments) if isinstance(request.segments, list) else request.segments
    count = given or max(1, math.ceil((content - 1) / (longest - 1)))
    most = max(1, math.ceil((content - 1) / step))  # every segment adds at least `step` new frames
    if count > most:
        raise InvalidInput(
            "segments",
            f"{count} segments of at least {step + 1} frames make more than {content} frames; "
            f"use at most {most} segments, or a longer video",
        )
    segment_frames = step * max(1, math.ceil(math.ceil((content - 1) / count) / step)) + 1
    if segment_frames > longest:
        needed = math.ceil((content - 1) / (longest - 1))
        raise InvalidInput(
            "segments",
            f"{count} segments of at most {longest} frames make at most {count * (longest - 1) + 1} frames, "
            f"not {content}; use at least {needed} segments, or leave segments out",
        )
    return count, segment_frames
