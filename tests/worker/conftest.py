"""Stores for the worker tests (in memory, and SQLite after migrations) and an engine that can be watched."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest
from PIL import Image

from kiln.engine.executor import BatchLatentsCallback, Engine, EngineStatus, GeneratedImage, StepCallback
from kiln.engine.loader import LoadedModel
from kiln.jobs.ids import Clock
from kiln.jobs.memory import MemoryStore
from kiln.jobs.store import JobStore
from kiln.types import ImageItem


class FakeClock:
    """A store clock that only moves when told."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class StoreFactory(Protocol):
    def __call__(self, clock: Clock | None = None) -> JobStore: ...


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Builds stores of one kind; SQLite ones share a migrated database file."""
    closers: list[Callable[[], None]] = []
    url = f"sqlite:///{tmp_path / 'kiln.db'}"
    if request.param == "sqlite":
        from kiln.jobs.sql.migrate import migrate

        migrate(url)

    def make(clock: Clock | None = None) -> JobStore:
        extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
        if request.param == "memory":
            return MemoryStore(**extra)
        from kiln.jobs.sql.store import SqlStore

        store = SqlStore(url, **extra)
        closers.append(store.close)
        return store

    yield make
    for close in closers:
        close()


@pytest.fixture
def store(make_store: StoreFactory) -> JobStore:
    return make_store()


class SpyEngine:
    """Wraps the real engine: records every step reached and calls `hook(step)` from inside the engine call."""

    def __init__(self, engine: Engine, hook: Callable[[int], None] | None = None) -> None:
        self.engine = engine
        self.hook = hook
        self.steps: list[int] = []
        self.calls: list[list[int]] = []  # item indices of each engine call

    @property
    def micro_batch(self) -> int:
        return self.engine.micro_batch

    def status(self) -> EngineStatus:
        return self.engine.status()

    def model(self, name: str, family: str | None = None) -> LoadedModel:
        return self.engine.model(name, family)

    def run(
        self,
        items: Sequence[ImageItem],
        *,
        init_images: Sequence[Image.Image] | None = None,
        on_step: StepCallback | None = None,
        should_cancel: Callable[[], bool] | None = None,
        on_latents: BatchLatentsCallback | None = None,
    ) -> list[GeneratedImage]:
        self.calls.append([item.index for item in items])

        def spy(step: int, steps: int) -> None:
            self.steps.append(step)
            if on_step is not None:
                on_step(step, steps)
            if self.hook is not None:
                self.hook(step)

        return self.engine.run(items, on_step=spy, should_cancel=should_cancel, on_latents=on_latents)
