"""The batched executor: one pipeline call per micro-batch, one generator per item, progress per step,
cancellation between steps, and out-of-memory backoff that splits a batch and remembers what fit."""

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
from kiln.engine.device import DevicePlan, plan_device
from kiln.engine.loader import LoadedModel, load_model
from kiln.engine.memory import BatchLimits
from kiln.errors import Cancelled, KilnError
from kiln.types import ImageItem

__all__ = ["Engine", "GeneratedImage", "ModelLoader", "StepCallback"]

StepCallback = Callable[[int, int], None]
ModelLoader = Callable[[ModelInfo, DevicePlan], LoadedModel]


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


class Engine:
    """Runs micro-batches of items that share a signature on one device, keeping models warm."""

    def __init__(
        self,
        settings: Settings,
        plan: DevicePlan | None = None,
        *,
        loader: ModelLoader = load_model,
        max_models: int = 1,
    ) -> None:
        self.settings = settings
        self.plan = plan or plan_device(settings)
        self.limits = BatchLimits()
        self._loader = loader
        self._max_models = max_models
        self._models: OrderedDict[str, LoadedModel] = OrderedDict()

    @property
    def micro_batch(self) -> int:
        return self.plan.micro_batch

    def model(self, name: str) -> LoadedModel:
        """The loaded model for a name, loading it (and evicting the least recently used) if needed."""
        if name in self._models:
            self._models.move_to_end(name)
            return self._models[name]
        while len(self._models) >= self._max_models:
            self._models.popitem(last=False)
            self._free_memory()
        model = self._loader(resolve_model(name), self.plan)
        self._models[name] = model
        return model

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[GeneratedImage]:
        """Generate every item (all of one signature), in as few pipeline calls as memory allows."""
        if not items:
            return []
        signature = items[0].signature()
        if any(item.signature() != signature for item in items):
            raise KilnError("a micro-batch must share one signature")
        model = self.model(signature.model)
        pending = _chunks(items, self.limits.cap(signature, len(items)))
        done: list[GeneratedImage] = []
        sampler = model.sampler(signature.scheduler)
        while pending:
            chunk = pending.pop(0)
            if should_cancel is not None and should_cancel():
                raise Cancelled("canceled before the batch started")
            try:
                images = self._call(model, chunk, on_step, should_cancel)
            except torch.OutOfMemoryError:
                if len(chunk) == 1:
                    raise
                half = self.limits.record_oom(signature, len(chunk))
                pending = _chunks([*chunk, *(item for rest in pending for item in rest)], half)
                self._free_memory()
                continue
            self.limits.record_fit(signature, len(chunk))
            done.extend(
                GeneratedImage(item, pixels, _to_pil(pixels), sampler, model.info.label)
                for item, pixels in zip(chunk, images, strict=True)
            )
        return done

    def _call(
        self,
        model: LoadedModel,
        items: Sequence[ImageItem],
        on_step: StepCallback | None,
        should_cancel: Callable[[], bool] | None,
    ) -> np.ndarray[Any, np.dtype[np.float32]]:
        first = items[0]
        family = model.info.family
        total = first.steps

        def step_end(_pipe: Any, step: int, _timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
            if on_step is not None:
                on_step(step + 1, total)
            if should_cancel is not None and should_cancel():
                raise Cancelled(f"canceled after step {step + 1} of {total}")
            return callback_kwargs

        kwargs: dict[str, Any] = dict(family.call_kwargs)
        kwargs.update(
            prompt=[item.prompt for item in items],
            height=first.height,
            width=first.width,
            num_inference_steps=total,
            guidance_scale=first.guidance,
            # CPU generators: the same seed gives the same noise on every device
            generator=[torch.Generator("cpu").manual_seed(item.seed) for item in items],
            output_type="np",
            callback_on_step_end=step_end,
        )
        if family.supports_negative:
            kwargs["negative_prompt"] = [item.negative_prompt for item in items]
        model.use_scheduler(first.scheduler)
        vae = getattr(model.pipe, "vae", None)
        if vae is not None and hasattr(vae, "enable_tiling"):
            large = first.width * first.height / 1e6 > self.settings.vae_tiling_megapixels
            vae.enable_tiling() if large else vae.disable_tiling()
        with torch.inference_mode():
            output = model.pipe(**kwargs)
        return np.asarray(output.images, dtype=np.float32)

    def _free_memory(self) -> None:
        gc.collect()
        if self.plan.device.type == "cuda":
            torch.cuda.empty_cache()


def _chunks(items: Sequence[ImageItem], size: int) -> list[list[ImageItem]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _to_pil(pixels: np.ndarray[Any, np.dtype[np.float32]]) -> Image.Image:
    """Float 0..1 pixels to an 8-bit image, rounding as diffusers' `numpy_to_pil` does."""
    return Image.fromarray((pixels * 255).round().clip(0, 255).astype(np.uint8))
