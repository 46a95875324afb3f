"""Making the scenes' missing images: grouped by signature into micro-batches, one engine call each.

Scenes that share a model, size, steps, guidance and scheduler are drawn in one pipeline call (each with its own
generator, so a scene's picture does not depend on its batch-mates). Each image is cached as soon as its batch
returns, so a stop loses at most the batch in flight. Files are PNGs with the A1111 infotext and kiln's recipe,
like `kiln generate`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from kiln import __version__
from kiln.media.images import encode_image
from kiln.media.infotext import build_infotext
from kiln.motion.storyboard.cache import IMAGE_FILE
from kiln.motion.storyboard.plan import ImageAsset
from kiln.motion.storyboard.session import RenderSession
from kiln.motion.task import ModelSource
from kiln.types import ImageItem, Signature

if TYPE_CHECKING:
    from kiln.engine.executor import GeneratedImage

__all__ = ["ImageEngine", "make_images"]


class ImageEngine(ModelSource, Protocol):
    """What a storyboard needs of `kiln.engine.executor.Engine`: models, and batched txt2img."""

    @property
    def micro_batch(self) -> int: ...

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        on_step: Callable[[int, int], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> list[GeneratedImage]: ...


def make_images(session: RenderSession, engine: ImageEngine) -> None:
    """Generate and cache every image of the plan that the cache lacks."""
    missing = [asset for asset in session.plan.image_assets() if session.missing(asset.key)]
    groups: dict[Signature, list[ImageAsset]] = {}
    for asset in missing:
        groups.setdefault(asset.item.signature(), []).append(asset)
    labels = {scene.image.key: scene.label for scene in session.plan.scenes}
    for assets in groups.values():
        size = max(1, engine.micro_batch)
        for start in range(0, len(assets), size):
            batch = assets[start : start + size]
            names = ", ".join(labels[asset.key] for asset in batch)
            session.check_stop(f"the images of {names}")

            def on_step(step: int, total: int, names: str = names) -> None:
                session.note(f"images of {names}: step {step}/{total}")

            generated = engine.run(
                [asset.item for asset in batch], on_step=on_step, should_cancel=session.control.should_stop
            )
            for asset, image in zip(batch, generated, strict=True):
                _store(session, asset, image, labels[asset.key])


def _store(session: RenderSession, asset: ImageAsset, generated: GeneratedImage, label: str) -> None:
    item = generated.item
    infotext = build_infotext(item, sampler=generated.sampler, model_label=generated.model_label)
    recipe = {"kiln_version": __version__, "item": item.to_dict(), "sampler": generated.sampler}
    data = encode_image(generated.image, "png", quality=95, infotext=infotext, recipe=recipe)
    (session.cache.folder(asset.key) / IMAGE_FILE).write_bytes(data)
    metadata = {"scene": item.name, "seed": item.seed, "width": item.width, "height": item.height}
    cached = session.cache.commit(asset.key, "image", {"main": IMAGE_FILE}, metadata)
    session.made("image", cached, f"image of {label}")
