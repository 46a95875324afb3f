"""One engine call for a unit's image items: what the worker needs of the engine (`GenerationEngine`), and
`run_engine`, which reads the items' stored inputs (init images, inpainting masks, ControlNet images) into memory
first: the engine opens only local files, and a worker may share no disk with the API."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, cast

from PIL import Image

from kiln.engine.executor import BatchLatentsCallback, EngineStatus, GeneratedImage, StepCallback
from kiln.engine.loader import LoadedModel
from kiln.types import ImageItem
from kiln.worker.control_images import stored_control_images
from kiln.worker.init_images import ReadableStorage, stored_init_images, stored_masks

__all__ = ["GenerationEngine", "ImageInputsEngine", "run_engine"]


class GenerationEngine(Protocol):
    """What the worker needs of `kiln.engine.executor.Engine`."""

    @property
    def micro_batch(self) -> int: ...

    def status(self) -> EngineStatus: ...

    def model(self, name: str, family: str | None = None) -> LoadedModel: ...  # `kiln.motion.task.ModelSource`

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        init_images: Sequence[Image.Image] | None = None,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        on_latents: BatchLatentsCallback | None = None,
    ) -> list[GeneratedImage]: ...


class ImageInputsEngine(Protocol):
    """An engine that also takes inpainting masks and ControlNet images in memory (`kiln.engine.executor.Engine`);
    the worker passes them only to items that have them, so engines without them (tests' fakes) keep working."""

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
    ) -> list[GeneratedImage]: ...


def run_engine(
    engine: GenerationEngine,
    items: list[ImageItem],
    storage: ReadableStorage,
    *,
    max_pixels: int,
    on_step: StepCallback,
    should_cancel: Callable[[], bool],
    on_latents: BatchLatentsCallback | None,
) -> list[GeneratedImage]:
    """The engine's images for `items`, their stored inputs read first. Masks and control images go only to calls
    whose items have them, so an engine without those parameters (tests' fakes) still runs the rest."""
    starts = stored_init_images(items, storage, max_pixels=max_pixels)
    controls = stored_control_images(items, storage, max_pixels=max_pixels)
    if controls is not None:
        return cast(ImageInputsEngine, engine).run(
            items, init_images=starts, on_step=on_step, should_cancel=should_cancel, on_latents=on_latents,
            control_images=controls,
        )  # fmt: skip
    masks = stored_masks(items, storage, max_pixels=max_pixels)
    if masks is not None:
        return cast(ImageInputsEngine, engine).run(
            items, init_images=starts, masks=masks, on_step=on_step, should_cancel=should_cancel,
            on_latents=on_latents,
        )  # fmt: skip
    if starts is None:
        return engine.run(items, on_step=on_step, should_cancel=should_cancel, on_latents=on_latents)
    return engine.run(items, init_images=starts, on_step=on_step, should_cancel=should_cancel, on_latents=on_latents)
