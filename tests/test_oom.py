"""Out-of-memory backoff: a batch that does not fit is split, retried, and the size that fit is remembered."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from kiln.config import Settings
from kiln.engine.catalog import ModelInfo
from kiln.engine.device import DevicePlan
from kiln.engine.executor import Engine
from kiln.engine.loader import LoadedModel, load_model
from kiln.engine.memory import BatchLimits
from tests.helpers import make_item


class SmallCardPipeline:
    """A real tiny pipeline behind a memory limit: more than `fits` prompts per call raises OutOfMemoryError."""

    def __init__(self, pipe: Any, fits: int) -> None:
        self._pipe = pipe
        self.fits = fits
        self.call_sizes: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)

    def __call__(self, **kwargs: Any) -> Any:
        size = len(kwargs["prompt"])
        self.call_sizes.append(size)
        if size > self.fits:
            raise torch.OutOfMemoryError(f"CUDA out of memory: {size} images do not fit")
        return self._pipe(**kwargs)


@pytest.fixture
def small_card() -> tuple[Engine, SmallCardPipeline]:
    wrapped: list[SmallCardPipeline] = []

    def loader(info: ModelInfo, plan: DevicePlan) -> LoadedModel:
        model = load_model(info, plan)
        wrapped.append(SmallCardPipeline(model.pipe, fits=3))
        return LoadedModel(info=info, pipe=wrapped[-1], plan=plan)

    engine = Engine(Settings(threads=2, micro_batch=16), loader=loader)
    engine.model("tiny-sd")
    return engine, wrapped[0]


def test_oom_splits_the_batch_until_it_fits_and_remembers(
    small_card: tuple[Engine, SmallCardPipeline],
) -> None:
    engine, pipe = small_card
    items = [make_item(i) for i in range(12)]
    results = engine.run(items)
    assert [g.item.index for g in results] == list(range(12))
    # 12 -> 6 -> 3: two halvings, then every call fits
    assert pipe.call_sizes[:3] == [12, 6, 3]
    assert max(pipe.call_sizes[3:]) == 3
    signature = items[0].signature()
    assert engine.limits.cap(signature, 16) == 3
    assert engine.limits.largest_fit(signature) == 3
    pipe.call_sizes.clear()
    engine.run([make_item(i) for i in range(7)])
    assert pipe.call_sizes == [3, 3, 1]  # no more failed attempts at this signature


def test_split_batches_give_the_same_images(small_card: tuple[Engine, SmallCardPipeline], engine: Engine) -> None:
    small, _ = small_card
    items = [make_item(i) for i in range(8)]
    split = small.run(items)
    whole = engine.run(items)
    for a, b in zip(split, whole, strict=True):
        assert np.abs(a.pixels - b.pixels).max() < 1e-4


def test_one_image_that_does_not_fit_is_an_error(small_card: tuple[Engine, SmallCardPipeline]) -> None:
    engine, pipe = small_card
    pipe.fits = 0
    with pytest.raises(torch.OutOfMemoryError):
        engine.run([make_item(0), make_item(1)])


def test_batch_limits_are_per_signature() -> None:
    limits = BatchLimits()
    small, large = make_item(0).signature(), make_item(0, width=128).signature()
    assert limits.record_oom(large, 16) == 8
    assert limits.cap(large, 16) == 8
    assert limits.cap(small, 16) == 16
    assert limits.record_oom(large, 8) == 4
    assert limits.cap(large, 2) == 2
    assert limits.record_oom(large, 1) == 1
