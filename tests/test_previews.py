"""Live previews from latents: the projection for each latent layout, and real pipelines handing their latents over."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
import torch
from PIL import Image

from kiln.engine.executor import Engine
from kiln.engine.previews import PREVIEW_SIDE, latent_previews
from kiln.jobs.memory import MemoryStore
from kiln.jobs.records import NewJob
from kiln.types import ImageItem
from kiln.worker.previews import PreviewEvents
from tests.helpers import make_item


def test_four_channel_latents_use_the_sd_factors_and_keep_the_aspect() -> None:
    latents = torch.zeros(2, 4, 16, 32)
    latents[0, 0, :, :16] = 3.0  # the left half of image 0 is bright in channel 0 (reddish in SD's factors)
    previews = latent_previews(latents, width=256, height=128)
    assert [p.size for p in previews] == [(PREVIEW_SIDE, PREVIEW_SIDE // 2)] * 2
    left, right = previews[0].getpixel((8, 16)), previews[0].getpixel((56, 16))  # well inside each half
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert sum(left) > sum(right)  # the structure of the latents shows


def test_sixteen_channels_and_packed_flux_latents_become_rgb() -> None:
    generator = torch.Generator().manual_seed(0)
    spatial = torch.randn(1, 16, 8, 8, generator=generator)
    [plain] = latent_previews(spatial, width=64, height=64)
    packed = spatial.view(1, 16, 4, 2, 4, 2).permute(0, 2, 4, 1, 3, 5).reshape(1, 16, 64)  # as FluxPipeline packs
    [unpacked] = latent_previews(packed, width=64, height=64)
    assert plain.mode == "RGB" and plain.size == (PREVIEW_SIDE, PREVIEW_SIDE)
    assert list(plain.getdata()) == list(unpacked.getdata())  # unpacking restores the layout exactly


def test_a_layout_without_a_preview_is_refused() -> None:
    with pytest.raises(ValueError, match="no preview"):
        latent_previews(torch.zeros(1, 5, 7), width=64, height=64)


@pytest.mark.parametrize("model", ["tiny-sd", "tiny-sd3", "tiny-flux"])
def test_pipelines_hand_over_their_latents_at_each_step(engine: Engine, model: str) -> None:
    items = [make_item(i, model=model, steps=3) for i in range(2)]
    seen: list[tuple[int, int, list[Image.Image]]] = []

    def on_latents(batch: Any, step: int, total: int, latents: torch.Tensor) -> None:
        assert [item.index for item in batch] == [0, 1]
        seen.append((step, total, latent_previews(latents, width=items[0].width, height=items[0].height)))

    engine.run(items, on_latents=on_latents)
    assert [(step, total) for step, total, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(len(previews) == 2 and previews[0].mode == "RGB" for _, _, previews in seen)


def _decoded(uri: str) -> Image.Image:
    assert uri.startswith("data:image/webp;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_preview_events_go_only_to_jobs_that_asked(engine: Engine) -> None:
    store = MemoryStore()
    watched = store.create_job(NewJob(request={"previews": True}), [make_item(0), make_item(1)])
    quiet = store.create_job(NewJob(), [make_item(0, seed=99)])
    unit = store.claim("w", max_items=8, lease_seconds=30)
    assert unit is not None and len(unit.items) == 3
    clock = iter(range(1000))
    events = PreviewEvents(store, [r for r in unit.items if r.job_id == watched.id], lambda: float(next(clock)))
    items: list[ImageItem] = [r.image for r in unit.items]
    engine.run(items, on_latents=events)
    previews = [e for e in store.events_after(watched.id, 0) if e.type == "item.preview"]
    assert previews and all(e.data["step"] < e.data["steps"] for e in previews)  # never the final step
    assert sorted(p["index"] for p in previews[0].data["previews"]) == [0, 1]
    assert all(max(_decoded(p["image"]).size) <= PREVIEW_SIDE for p in previews[0].data["previews"])
    assert not [e for e in store.events_after(quiet.id, 0) if e.type == "item.preview"]
