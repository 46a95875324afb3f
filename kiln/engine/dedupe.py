"""Identical items generated once: items of one recipe and seed (`ImageItem.recipe_key`) make the same pixels, so
the engine makes them once per call and hands each its own copy. Where the engine keeps the last call's images
(`Recent`, on in job workers and `kiln generate`), identical items that a claim cut into consecutive units are
still made once. Items with `dedupe` off are always
generated."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from PIL import Image

from kiln.types import ImageItem

if TYPE_CHECKING:
    from kiln.engine.executor import GeneratedImage

__all__ = ["Recent", "recipe_keys", "unique_items"]


class Recent:
    """The images of the last unit, by recipe key (only items with `dedupe`)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._images: dict[str, GeneratedImage] = {}

    def get(self, key: str) -> GeneratedImage | None:
        return self._images.get(key)

    def spread(
        self,
        items: Sequence[ImageItem],
        keys: Sequence[str],
        unique: Sequence[int],
        fresh: Sequence[GeneratedImage],
        reused: dict[int, GeneratedImage],
    ) -> list[GeneratedImage]:
        """One image per item: the fresh one of its recipe or a reused one, as that item; remembered for the next
        unit."""
        by_key = {keys[i]: image for i, image in zip(unique, fresh, strict=True) if items[i].dedupe}
        by_key.update({keys[i]: image for i, image in reused.items()})
        fresh_at = dict(zip(unique, fresh, strict=True))
        out = []
        for i, item in enumerate(items):
            image = fresh_at.get(i) or by_key[keys[i]]
            out.append(image if image.item == item else replace(image, item=item))
        if self.enabled:
            self._images = by_key
        return out


def recipe_keys(items: Sequence[ImageItem], *given: Sequence[Image.Image | None] | None) -> list[str]:
    """Each item's recipe key, with the pixels of the images given in memory for it (init images, masks): items
    that name no file may start from different pictures."""
    keys = [item.recipe_key() for item in items]
    for images in given:
        if images is not None:
            keys = [key + _pixels_key(image) for key, image in zip(keys, images, strict=True)]
    return keys


def _pixels_key(image: Image.Image | None) -> str:
    if image is None:
        return "|-"
    return f"|{image.mode}{image.size}{hashlib.sha256(image.tobytes()).hexdigest()}"


def unique_items(
    items: Sequence[ImageItem], keys: Sequence[str], recent: Recent
) -> tuple[list[int], dict[int, GeneratedImage]]:
    """The positions of the items to generate (the first of each recipe (`keys`) not made in the last unit) and
    the items whose image the last unit made."""
    unique: list[int] = []
    reused: dict[int, GeneratedImage] = {}
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not item.dedupe:
            unique.append(i)
            continue
        key = keys[i]
        if key in seen:
            continue
        seen.add(key)
        earlier = recent.get(key)
        if earlier is not None:
            reused[i] = earlier
        else:
            unique.append(i)
    return unique, reused
