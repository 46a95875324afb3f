"""The batched executor: one pipeline call per micro-batch (txt2img or img2img), one generator per item, progress
per step, cancellation between steps, and out-of-memory backoff that splits a batch and remembers what fit."""

from __future__ import annotations

import gc
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from kiln.config import Settings
from kiln.engine.catalog import ModelInfo, resolve_model
from kiln.engine.control_images import load_control_images, prepare_control
from kiln.engine.controlnet import control_pipe
from kiln.engine.dedupe import Recent, recipe_keys, unique_items
from kiln.engine.device import DevicePlan, plan_device
from kiln.engine.hashes import FileHashes, model_short_hash
from kiln.engine.hires import second_pass_items, upscaled_starts
from kiln.engine.init_images import STARTS_FROM_IMAGE, accepts_size, fit_init_image, load_init_images
from kiln.engine.inpainting import composite, load_masks, prepare_inpaint
from kiln.engine.loader import LoadedModel, load_model
from kiln.engine.loras import LoraLibrary, use_loras
from kiln.engine.memory import BatchLimits
from kiln.engine.steps import LatentsCallback, StepCallback, step_end_callback
from kiln.engine.upscalers import Upscaler, load_upscaler
from kiln.errors import Cancelled, KilnError
from kiln.types import ImageItem

__all__ = [
    "BatchLatentsCallback",
    "Engine",
    "EngineStatus",
    "GeneratedImage",
    "ModelLoader",
    "StepCallback",
    "call_pipeline",
    "model_memory_budget",
    "pixels_to_image",
]

ModelLoader = Callable[[ModelInfo, DevicePlan], LoadedModel]
# (the items of the running call, step, total, their latents)
BatchLatentsCallback = Callable[[Sequence[ImageItem], int, int, Any], None]


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    """One finished image and what is needed to describe how it was made.

    `pixels` is the pipeline's float output (H, W, 3 in 0..1), kept for exact comparisons; `image` is it in 8 bits.
    """

    item: ImageItem
    pixels: np.ndarray[Any, np.dtype[np.float32]]
    image: Image.Image
    sampler: str
    model_label: str
    model_hash: str | None = None  # A1111's short hash of the model's weights
    lora_hashes: tuple[tuple[str, str], ...] = ()  # (name, short hash) of each LoRA applied


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """What an engine holds, for the worker registry: safe to read from another thread."""

    device: str
    dtype: str
    micro_batch: int
    loaded_models: tuple[str, ...]  # model locations (what items name), least recently used first
    model_loads: int  # models loaded since the engine was made
    gpu_memory_bytes: int | None  # allocated by torch on its CUDA device; None elsewhere


class Engine:
    """Runs micro-batches of items that share a signature on one device, keeping models warm."""

    def __init__(
        self,
        settings: Settings,
        plan: DevicePlan | None = None,
        *,
        loader: ModelLoader = load_model,
        max_models: int = 1,
        reuse_last_unit: bool = False,
    ) -> None:
        self.settings = settings
        self.plan = plan or plan_device(settings)
        self.limits = BatchLimits()
        self._loader = loader
        self._max_models = max_models
        self._memory_budget = model_memory_budget(settings, self.plan)
        self._sizes: dict[str, int] = {}  # weight bytes of each loaded model, when there is a budget
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()  # by location
        self._loaded: tuple[str, ...] = ()  # the keys of `_models`, replaced whole: read by other threads
        self._loads = 0
        self._hashes = FileHashes(settings.data_dir / "hashes.json")
        self.loras = LoraLibrary(settings.resolved_lora_dir(), self._hashes)
        self.images_generated = 0  # images the pipelines made (identical items of a unit count once)
        # with `reuse_last_unit` (job workers, `kiln generate`): the last call's images by recipe, so identical
        # items a claim cut into consecutive units are generated once; off, every call stands alone
        self._recent = Recent(enabled=reuse_last_unit)
        self._upscalers: dict[str, Upscaler] = {}  # the hires fix's, by name

    @property
    def micro_batch(self) -> int:
        return self.plan.micro_batch

    def model(self, name: str, family: str | None = None) -> LoadedModel:
        """The loaded model for a name, loading it (and evicting the least recently used) if needed: at most
        `max_models` stay loaded, and with a memory budget (`KILN_MODEL_MEMORY_GB`; on CUDA 80% of the card by
        default) the least recently used others are unloaded until the weights fit it.

        Models are kept by location, so `./models/x` (as settings may name it) and the absolute path that
        planned items carry share one loaded model. `family` names the family of a model kiln cannot tell."""
        info = None if name in self._models else resolve_model(name, family)
        key = name if info is None else info.location
        if key in self._models:
            self._models.move_to_end(key)
            self._loaded = tuple(self._models)
            return self._models[key]
        assert info is not None
        while len(self._models) >= self._max_models:
            self._evict_oldest()
        model = self._loader(info, self.plan)
        self._models[key] = model
        self._loads += 1
        if self._memory_budget is not None:
            self._sizes[key] = model.parameter_bytes()
            while len(self._models) > 1 and sum(self._sizes.values()) > self._memory_budget:
                self._evict_oldest()
        self._loaded = tuple(self._models)
        return model

    def _evict_oldest(self) -> None:
        evicted, _ = self._models.popitem(last=False)
        self._sizes.pop(evicted, None)
        self._loaded = tuple(self._models)
        self._free_memory()

    def status(self) -> EngineStatus:
        """The device, loaded models and memory in use, read without touching the models."""
        device = self.plan.device
        memory = int(torch.cuda.memory_allocated(device)) if device.type == "cuda" else None
        return EngineStatus(
            device=str(device),
            dtype=str(self.plan.dtype).removeprefix("torch."),
            micro_batch=self.plan.micro_batch,
            loaded_models=self._loaded,
            model_loads=self._loads,
            gpu_memory_bytes=memory,
        )

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        init_images: Sequence[Image.Image] | None = None,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        on_latents: BatchLatentsCallback | None = None,
        masks: Sequence[Image.Image | None] | None = None,
        control_images: Sequence[Image.Image | None] | None = None,
    ) -> list[GeneratedImage]:
        """Generate every item (all of one signature), in as few pipeline calls as memory allows.

        img2img items start from `init_images` (one per item, in memory) or else from their `init_image` files.
        `on_latents(items, step, total, latents)` gets each step's latents of the call running `items` (for
        previews). Inpaint items take `masks` (in memory, one per item) or else their `mask` files; ControlNet items
        take `control_images` (one per item, in memory) or else their control files. Identical items
        (`ImageItem.recipe_key`, with `dedupe`) are generated once, in this call or the one before."""
        if not items:
            return []
        signature = items[0].signature()
        if any(item.signature() != signature for item in items):
            raise KilnError("a micro-batch must share one signature")
        keys = recipe_keys(items, init_images, masks, control_images)
        unique, reused = unique_items(items, keys, self._recent)

        def picked(images: Sequence[Image.Image | None] | None) -> list[Image.Image | None] | None:
            return [images[i] for i in unique] if images is not None else None

        fresh = self._run_unique(
            [items[i] for i in unique],
            [init_images[i] for i in unique] if init_images is not None else None,
            picked(masks),
            picked(control_images),
            on_step,
            should_cancel,
            on_latents,
        )
        return self._recent.spread(items, keys, unique, fresh, reused)

    def _run_unique(
        self,
        items: Sequence[ImageItem],
        init_images: Sequence[Image.Image] | None,
        masks: Sequence[Image.Image | None] | None,
        control_images: Sequence[Image.Image | None] | None,
        on_step: StepCallback | None,
        should_cancel: Callable[[], bool] | None,
        on_latents: BatchLatentsCallback | None,
    ) -> list[GeneratedImage]:
        if not items:
            return []
        signature = items[0].signature()
        limit = self.settings.max_input_pixels
        starts = load_init_images(items, init_images, max_pixels=limit)
        mask_images = load_masks(items, masks, max_pixels=limit)
        model = self.model(signature.model)
        controls = dict(zip(map(id, items), load_control_images(items, control_images, max_pixels=limit), strict=True))
        model_hash = model_short_hash(model, self._hashes)  # before any LoRA is loaded on it
        lora_hashes = tuple((lora.name, self.loras.short_hash(lora.source)) for lora in items[0].loras)
        triples = list(zip(items, starts, mask_images, strict=True))
        pending = _chunks(triples, self.limits.cap(signature, len(items)))
        done: list[GeneratedImage] = []
        sampler = model.sampler(signature.scheduler)
        while pending:
            chunk = pending.pop(0)
            chunk_items = [item for item, _, _ in chunk]
            if should_cancel is not None and should_cancel():
                raise Cancelled("canceled before the batch started")
            try:
                large = signature.width * signature.height / 1e6 > self.settings.vae_tiling_megapixels
                images = call_pipeline(
                    model,
                    chunk_items,
                    init_images=[start for _, start, _ in chunk] if signature.kind in STARTS_FROM_IMAGE else None,
                    masks=[mask for _, _, mask in chunk],
                    on_step=on_step,
                    should_cancel=should_cancel,
                    tile_vae=large,
                    on_latents=_for_items(on_latents, chunk_items),
                    control_images=[controls[id(item)] for item in chunk_items],
                    loras=self.loras,
                )
                if chunk_items[0].hires_scale is not None:
                    images = self._hires_pass(model, chunk_items, images, on_step, should_cancel)
            except torch.OutOfMemoryError:
                if len(chunk) == 1:
                    raise
                half = self.limits.record_oom(signature, len(chunk))
                pending = _chunks([*chunk, *(triple for rest in pending for triple in rest)], half)
                self._free_memory()
                continue
            self.limits.record_fit(signature, len(chunk))
            self.images_generated += len(chunk)
            done.extend(
                GeneratedImage(
                    item, pixels, pixels_to_image(pixels), sampler, model.info.label, model_hash, lora_hashes
                )
                for item, pixels in zip(chunk_items, images, strict=True)
            )
        return done

    def _hires_pass(
        self,
        model: LoadedModel,
        items: Sequence[ImageItem],
        pixels: np.ndarray[Any, np.dtype[np.float32]],
        on_step: StepCallback | None,
        should_cancel: Callable[[], bool] | None,
    ) -> np.ndarray[Any, np.dtype[np.float32]]:
        """The hires fix's second pass over a chunk's first-pass `pixels` (`kiln.engine.hires`)."""
        second = second_pass_items(items, model.info.family.size_multiple)
        size = (second[0].width, second[0].height)
        upscaler = self._upscaler(items[0].hires_upscaler) if items[0].hires_upscaler else None
        starts = upscaled_starts(pixels, size, upscaler, pixels_to_image)
        large = size[0] * size[1] / 1e6 > self.settings.vae_tiling_megapixels
        return call_pipeline(
            model,
            second,
            init_images=starts,
            on_step=on_step,
            should_cancel=should_cancel,
            tile_vae=large,
            loras=self.loras,  # the second pass keeps the first's LoRAs
        )

    def _upscaler(self, name: str) -> Upscaler:
        """An upscaler for the hires fix, loaded once per engine."""
        if name not in self._upscalers:
            self._upscalers[name] = load_upscaler(
                name,
                folder=self.settings.resolved_upscalers_dir(),
                builtin_dir=self.settings.data_dir / "builtin",
                device=self.plan.device,
            )
        return self._upscalers[name]

    def _free_memory(self) -> None:
        gc.collect()
        if self.plan.device.type == "cuda":
            torch.cuda.empty_cache()


def call_pipeline(
    model: LoadedModel,
    items: Sequence[ImageItem],
    *,
    init_images: Sequence[Image.Image | None] | None = None,
    on_step: StepCallback | None = None,
    should_cancel: Callable[[], bool] | None = None,
    tile_vae: bool = False,
    on_latents: LatentsCallback | None = None,
    masks: Sequence[Image.Image | None] | None = None,
    control_images: Sequence[Image.Image | None] | None = None,
    loras: LoraLibrary | None = None,
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """One pipeline call for items of one signature: float pixels (N, H, W, 3), one CPU generator per item.

    img2img items need `init_images`, one per item (resized to the item's size here). `on_step(step, total)`
    counts the steps the call really runs (an img2img call runs about `steps * strength`); `should_cancel`
    is asked after every step and stops the call with `Cancelled`. The items' LoRAs are put on the model first (none:
    any loaded are removed; `loras` says where they come from); ControlNet items need `control_images`."""
    first = items[0]
    family = model.info.family
    inpaint = first.kind == "inpaint"
    img2img = first.kind in STARTS_FROM_IMAGE
    model.use_scheduler(first.scheduler)
    use_loras(model, first.loras, loras)
    pipe = model.inpaint_pipe() if inpaint else model.img2img_pipe() if img2img else model.pipe
    if first.control is not None:
        pipe = control_pipe(model, first.control.model)
    steps = first.steps

    def total(running: Any) -> int:  # img2img runs only the last `strength` of the schedule
        return int(getattr(running, "_num_timesteps", 0) or steps) if img2img else steps

    step_end = step_end_callback(total, on_step, should_cancel, on_latents)

    kwargs: dict[str, Any] = dict(family.call_kwargs)
    kwargs.update(
        prompt=[item.prompt for item in items],
        num_inference_steps=steps,
        guidance_scale=first.guidance,
        # CPU generators: the same seed gives the same noise on every device
        generator=[torch.Generator("cpu").manual_seed(item.seed) for item in items],
        output_type="np",
        callback_on_step_end=step_end,
    )
    if img2img:
        starts = [image for image in init_images or () if image is not None]
        if len(starts) != len(items):
            raise KilnError("an img2img call needs one init image per item")
        if inpaint:
            fitted, mask_images = prepare_inpaint(items, starts, list(masks or [None] * len(items)))
            kwargs.update(mask_image=mask_images)
        else:
            fitted = [fit_init_image(image, item.width, item.height) for item, image in zip(items, starts, strict=True)]
        kwargs.update(image=fitted, strength=first.strength)
    if first.control is not None:
        maps = [image for image in control_images or () if image is not None]
        if len(maps) != len(items):
            raise KilnError("a ControlNet call needs one control image per item")
        control = first.control
        kwargs.update(
            image=[
                prepare_control(image, control, item.width, item.height)
                for item, image in zip(items, maps, strict=True)
            ],
            controlnet_conditioning_scale=control.scale,
        )
    if not img2img or accepts_size(pipe):  # SD and SDXL img2img take the size from the image
        kwargs.update(height=first.height, width=first.width)
    if family.supports_negative:
        kwargs["negative_prompt"] = [item.negative_prompt for item in items]
    vae = getattr(pipe, "vae", None)
    if vae is not None and hasattr(vae, "enable_tiling"):
        vae.enable_tiling() if tile_vae else vae.disable_tiling()
    with torch.inference_mode():
        output = pipe(**kwargs)
    pixels = np.asarray(output.images, dtype=np.float32)
    return composite(pixels, fitted, mask_images) if inpaint else pixels


def model_memory_budget(settings: Settings, plan: DevicePlan) -> int | None:
    """Bytes of weights the loaded models may hold: the setting, else 80% of a CUDA card, else no budget."""
    if settings.model_memory_gb is not None:
        return int(settings.model_memory_gb * 1e9)
    if plan.device.type == "cuda":
        return int(torch.cuda.get_device_properties(plan.device).total_memory * 0.8)
    return None


def _for_items(on_latents: BatchLatentsCallback | None, items: Sequence[ImageItem]) -> LatentsCallback | None:
    if on_latents is None:
        return None
    return lambda step, total, latents: on_latents(items, step, total, latents)


Triple = tuple[ImageItem, Image.Image | None, Image.Image | None]  # an item, its start and its mask


def _chunks(triples: Sequence[Triple], size: int) -> list[list[Triple]]:
    return [list(triples[i : i + size]) for i in range(0, len(triples), size)]


def pixels_to_image(pixels: np.ndarray[Any, np.dtype[np.float32]]) -> Image.Image:
    """Float 0..1 pixels to an 8-bit image, rounding as diffusers' `numpy_to_pil` does."""
    return Image.fromarray((pixels * 255).round().clip(0, 255).astype(np.uint8))
