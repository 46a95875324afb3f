"""What each asset's maker is asked for: a scene's shot as a `VideoRequest` or an `AnimationRequest`, the whole
storyboard as an `AssemblyRequest`. Built (and so checked) when the render is planned, before anything runs.

Files that do not exist yet are named relative to the asset cache (`<key>/image.png`): the requests are then
part of their assets' keys without depending on where the cache lives, and get absolute paths when they run.
Checks these models make are reported naming the scene and `shot.<field>`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from kiln.engine.video_modes import model_for_mode
from kiln.errors import InvalidInput
from kiln.motion.animation.request import AnimationRequest, parse_animation_request
from kiln.motion.assembly.request import (
    AssemblyRequest,
    AudioTrack,
    KenBurns,
    NarrationSettings,
    Shot,
    SubtitleSettings,
    Transition,
)
from kiln.motion.storyboard.manifest import Scene, Storyboard
from kiln.motion.storyboard.shots import AnimationShot, KenBurnsShot, VideoShot
from kiln.motion.video_request import VideoRequest, parse_video_request
from kiln.types import ImageItem

__all__ = [
    "CLIP_NAME",
    "animation_request",
    "assembly_request",
    "scene_duration",
    "shot_error",
    "video_request",
]

CLIP_NAME = "clip"  # the motion runners' output file stem
T = TypeVar("T")


def scene_duration(storyboard: Storyboard, scene: Scene) -> float | None:
    """The seconds a scene asks for; None for `fit` (its narration line sets it, or a clip's own length)."""
    if scene.duration == "fit":
        return None
    return scene.duration or storyboard.defaults.duration


def video_request(
    storyboard: Storyboard, scene: Scene, shot: VideoShot, item: ImageItem, image: Path, where: str
) -> VideoRequest:
    """Image-to-video from the scene's `image`: the clip lasts `shot.frames`, else the scene's duration."""
    model = shot.model or storyboard.defaults.video_model
    if model is None:
        message = "image_to_video needs a video model; set shot.model (e.g. tiny-ltx) or defaults.video_model"
        raise InvalidInput("shot.model", message, where=where)
    family = _located(lambda: model_for_mode(model, "i2v"), where).family
    data: dict[str, Any] = {
        "mode": "i2v",
        "model": model,
        "image": str(image),
        "fps": shot.fps or storyboard.defaults.fps,
        "seed": item.seed,
        "name": CLIP_NAME,
        **shot.model_dump(include={"steps", "guidance", "motion_bucket_id", "noise_aug_strength"}, exclude_none=True),
    }
    if family.text_encoders:
        data["prompt"] = shot.prompt or item.prompt
        if family.supports_negative:
            data["negative_prompt"] = item.negative_prompt
    elif shot.prompt:
        raise InvalidInput("shot.prompt", f"{model} reads no text (the image leads); leave prompt out", where=where)
    duration = scene_duration(storyboard, scene)
    if shot.frames is not None:
        data["frames"] = shot.frames
    elif duration is not None:
        data["duration"] = duration
    return _located(lambda: parse_video_request(data), where)


def animation_request(
    storyboard: Storyboard, scene: Scene, shot: AnimationShot, item: ImageItem, image: Path, where: str
) -> AnimationRequest:
    """A feedback loop from the scene's `image` with the image's model, size, steps and seed."""
    fps = shot.fps or storyboard.defaults.fps
    schedules = {"zoom", "angle", "translation_x", "translation_y", "strength", "guidance"}
    data: dict[str, Any] = {
        "model": item.model,
        "fps": fps,
        "width": item.width,
        "height": item.height,
        "steps": shot.steps or item.steps,
        "prompts": shot.prompts or {0: item.prompt},
        "negative_prompt": item.negative_prompt,
        "init_image": str(image),
        "seed": item.seed,
        "name": CLIP_NAME,
        **shot.model_dump(include=schedules | {"interpolation", "seed_behaviour"}, exclude_none=True),
    }
    duration = scene_duration(storyboard, scene)
    if shot.frames is not None:
        data["frames"] = shot.frames
    elif duration is not None:
        data["frames"] = max(1, round(duration * fps))
    return _located(lambda: parse_animation_request(data), where)


def assembly_request(storyboard: Storyboard, sources: Sequence[tuple[Path, bool]], *, name: str) -> AssemblyRequest:
    """The final cut: one shot per scene from `sources` (a file, and whether it is a clip), music, narration
    spoken with the defaults' voice, and the subtitle mode."""
    defaults = storyboard.defaults
    shots = []
    for scene, (source, is_clip) in zip(storyboard.scenes, sources, strict=True):
        transition = scene.transition or defaults.transition
        shots.append(
            Shot(
                image=None if is_clip else source,
                clip=source if is_clip else None,
                duration=scene_duration(storyboard, scene),
                motion=_ken_burns(scene.shot) if isinstance(scene.shot, KenBurnsShot) else None,
                transition=Transition(kind=transition.kind, duration=transition.duration),
                narration=scene.narration,
                fit=scene.shot.fit if isinstance(scene.shot, VideoShot | AnimationShot) else None,
            )
        )
    width, height = storyboard.output_size
    return AssemblyRequest(
        shots=shots,
        width=width,
        height=height,
        fps=defaults.fps,
        music=None
        if storyboard.music is None
        else AudioTrack(path=storyboard.music.resolve(), volume=storyboard.music_volume),
        narration=NarrationSettings(
            voice=defaults.voice, rate=defaults.speech_rate, padding=defaults.narration_padding
        ),
        subtitles=SubtitleSettings(srt=storyboard.subtitles != "off", burn=storyboard.subtitles == "burned"),
        name=name,
    )


def _ken_burns(shot: KenBurnsShot) -> KenBurns:
    (start_zoom, end_zoom), (start_center, end_center) = shot.zoom, shot.pan
    return KenBurns(
        start_zoom=start_zoom,
        end_zoom=end_zoom,
        start_center=start_center,
        end_center=end_center,
        easing=shot.easing,
    )


def shot_error(exc: InvalidInput, where: str) -> InvalidInput:
    """A sub-request's `InvalidInput` said of the scene's `shot.<field>`."""
    return InvalidInput(f"shot.{exc.field}", exc.message, where=where)


def _located(build: Callable[[], T], where: str) -> T:
    try:
        return build()
    except InvalidInput as exc:
        raise shot_error(exc, where) from exc
