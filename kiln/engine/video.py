"""The video executor: clips for a micro-batch of `VideoItem`s that share a signature, in as few pipeline calls as
the pipelines and memory allow.

Each item has its own CPU `torch.Generator`, so a clip does not depend on its batch-mates. The pipelines' batching
quirks are handled here: image-to-video gets one input image per item (SVD seeds only the first item's
conditioning noise under `num_videos_per_prompt`; LTX wants as many images as prompts), and Wan's image-to-video
takes a single image per call, so its items are grouped by input image. Progress is reported per step and a
cancel is honoured between steps (raising `Cancelled` inside `callback_on_step_end` stops a call cleanly).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from kiln.engine.families import Family, VideoMode
from kiln.engine.loader import LoadedModel
from kiln.engine.steps import StepCallback, step_end_callback
from kiln.engine.video_item import DEFAULT_MOTION_BUCKET_ID, DEFAULT_NOISE_AUG_STRENGTH, VideoItem
from kiln.errors import Cancelled, InvalidInput, KilnError
from kiln.media.clip_audio import ClipAudio

__all__ = ["GeneratedClip", "generate_clips", "load_input_image", "mode_pipeline"]

Pixels = np.ndarray[Any, np.dtype[np.float32]]

_SVD_DECODE_CHUNK = 8  # frames decoded at once: the temporal decoder's memory grows with it
_ONE_IMAGE_PER_CALL = frozenset({"WanImageToVideoPipeline"})  # takes one image, repeated for every prompt


@dataclass(frozen=True, slots=True)
class GeneratedClip:
    """One finished clip: `pixels` is the pipeline's float output (frames, height, width, 3 in 0..1); `audio` the
    sound track a sound model (LTX-2) made with it, fitted to the clip's duration."""

    item: VideoItem
    pixels: Pixels
    model_label: str
    audio: ClipAudio | None = None

    def images(self) -> list[Image.Image]:
        """The frames in 8 bits, rounded as diffusers' `numpy_to_pil` does."""
        frames = (self.pixels * 255).round().clip(0, 255).astype(np.uint8)
        return [Image.fromarray(frame) for frame in frames]


def load_input_image(path: str, width: int, height: int) -> Image.Image:
    """An input image as RGB at width x height: scaled to cover the size (Lanczos), centre cropped, never
    stretched."""
    try:
        with Image.open(Path(path)) as image:
            image.load()
            rgb = image.convert("RGB")
    except FileNotFoundError:
        raise InvalidInput("image", f"{path} does not exist") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput("image", f"{path} is not an image Pillow can read ({exc})") from None
    if rgb.size == (width, height):
        return rgb
    return ImageOps.fit(rgb, (width, height), Image.Resampling.LANCZOS)


def mode_pipeline(model: LoadedModel, mode: VideoMode) -> Any:
    """The pipeline serving `mode`: the loaded one, or the mode's class over the same components (LTX's
    image-to-video shares every module with its text-to-video; building it costs a fraction of a millisecond)."""
    video = model.info.family.video
    class_name = None if video is None else video.modes.get(mode)
    if class_name is None:
        raise KilnError(f"{model.info.name} has no {mode} pipeline")
    if type(model.pipe).__name__ == class_name:
        return model.pipe
    import diffusers

    pipeline_class = getattr(diffusers, class_name)
    wanted = inspect.signature(pipeline_class.__init__).parameters
    pipe = pipeline_class(**{name: part for name, part in model.pipe.components.items() if name in wanted})
    pipe.set_progress_bar_config(disable=True)
    return pipe


def generate_clips(
    model: LoadedModel,
    items: Sequence[VideoItem],
    *,
    on_step: StepCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> list[GeneratedClip]:
    """Generate every item (all of one signature, all for `model`), in item order."""
    if not items:
        return []
    signature = items[0].signature()
    if any(item.signature() != signature for item in items):
        raise KilnError("a micro-batch must share one signature")
    pipe = mode_pipeline(model, items[0].mode)
    made: list[_Made | None] = [None] * len(items)
    for group in _call_groups(type(pipe).__name__, items):
        clips = _generate(model, pipe, [items[i] for i in group], on_step, should_cancel)
        for position, clip in zip(group, clips, strict=True):
            made[position] = clip
    return [
        GeneratedClip(item, clip[0], model.info.label, _fitted(clip[1], item))
        for item, clip in zip(items, made, strict=True)
        if clip is not None
    ]


_Made = tuple[Pixels, ClipAudio | None]


def _fitted(audio: ClipAudio | None, item: VideoItem) -> ClipAudio | None:
    return None if audio is None else audio.fitted(item.frames / item.fps)


def _call_groups(class_name: str, items: Sequence[VideoItem]) -> list[list[int]]:
    """Positions of the items that can share one call."""
    if class_name not in _ONE_IMAGE_PER_CALL:
        return [list(range(len(items)))]
    groups: dict[str | None, list[int]] = {}
    for position, item in enumerate(items):
        groups.setdefault(item.image, []).append(position)
    return list(groups.values())


def _generate(
    model: LoadedModel,
    pipe: Any,
    items: list[VideoItem],
    on_step: StepCallback | None,
    should_cancel: Callable[[], bool] | None,
) -> list[_Made]:
    """One call, or, out of memory, the two halves one after the other."""
    if should_cancel is not None and should_cancel():
        raise Cancelled("canceled before the clip started")
    try:
        return _call(model.info.family, pipe, items, on_step, should_cancel)
    except torch.OutOfMemoryError:
        if len(items) == 1:
            raise
        if model.plan.device.type == "cuda":
            torch.cuda.empty_cache()
        half = len(items) // 2
        return [
            *_generate(model, pipe, items[:half], on_step, should_cancel),
            *_generate(model, pipe, items[half:], on_step, should_cancel),
        ]


def _call(
    family: Family,
    pipe: Any,
    items: list[VideoItem],
    on_step: StepCallback | None,
    should_cancel: Callable[[], bool] | None,
) -> list[_Made]:
    first = items[0]
    total = first.steps

    step_end = step_end_callback(lambda _pipe: total, on_step, should_cancel)

    kwargs: dict[str, Any] = dict(family.call_kwargs)
    kwargs.update(
        height=first.height,
        width=first.width,
        num_frames=first.frames,
        num_inference_steps=total,
        # CPU generators: the same seed gives the same noise on every device
        generator=[torch.Generator("cpu").manual_seed(item.seed) for item in items],
        output_type="np",
        callback_on_step_end=step_end,
    )
    if family.text_encoders:
        kwargs.update(prompt=[item.prompt for item in items], guidance_scale=first.guidance)
    if family.supports_negative:
        kwargs["negative_prompt"] = [item.negative_prompt for item in items]
    if first.mode == "i2v":
        images = [load_input_image(_image_path(item), first.width, first.height) for item in items]
        kwargs["image"] = images[0] if type(pipe).__name__ in _ONE_IMAGE_PER_CALL else images
        if "image_crf" in inspect.signature(pipe.__call__).parameters:
            kwargs.update(image=_recompressed(pipe, images), image_crf=0)
    if "frame_rate" in inspect.signature(pipe.__call__).parameters:  # LTX conditions its positions on the frame rate
        kwargs["frame_rate"] = round(first.fps)
    if family.video is not None and family.video.motion_conditioning:
        kwargs.update(
            min_guidance_scale=1.0,
            max_guidance_scale=max(1.0, first.guidance),
            fps=round(first.fps),
            motion_bucket_id=first.motion_bucket_id or DEFAULT_MOTION_BUCKET_ID,
            noise_aug_strength=(
                DEFAULT_NOISE_AUG_STRENGTH if first.noise_aug_strength is None else first.noise_aug_strength
            ),
            decode_chunk_size=min(first.frames, _SVD_DECODE_CHUNK),
        )
    with torch.inference_mode():
        output = pipe(**kwargs)
    pixels = np.asarray(output.frames, dtype=np.float32)
    return list(zip(pixels, _audio_tracks(pipe, output, len(items)), strict=True))


def _recompressed(pipe: Any, images: list[Image.Image]) -> list[Image.Image]:
    """LTX-2 conditions on its input image as H.264 at the CRF it was trained with; the pipeline does that to a
    single image only, so each item's image is re-compressed here the same way and handed over as a list."""
    from diffusers.pipelines.ltx2.utils import apply_image_conditioning_crf, resolve_default_image_crf

    crf = resolve_default_image_crf(pipe.text_encoder)
    return [Image.fromarray(apply_image_conditioning_crf(np.array(image), crf)) for image in images]


def _audio_tracks(pipe: Any, output: Any, count: int) -> list[ClipAudio | None]:
    """Each clip's sound track, for a pipeline that makes one (LTX-2: a (batch, channels, samples) tensor)."""
    audio = getattr(output, "audio", None)
    if audio is None:
        return [None] * count
    rate = int(pipe.vocoder.config.output_sampling_rate)
    samples = audio.float().cpu().numpy().astype(np.float32)
    return [ClipAudio(np.ascontiguousarray(track), rate) for track in samples]


def _image_path(item: VideoItem) -> str:
    if item.image is None:
        raise InvalidInput("image", f"image-to-video item {item.index} has no input image")
    return item.image
