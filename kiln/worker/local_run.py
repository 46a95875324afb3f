"""The CLI's direct mode: run a planned folder through the engine in micro-batches, resumably."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from kiln.engine.batcher import Batcher
from kiln.engine.executor import Engine
from kiln.jobs.local_rates import LocalRates
from kiln.jobs.run_folder import RunFolder
from kiln.types import ImageItem
from kiln.worker.artifacts import encode_generated

__all__ = ["LocalRunner", "RunProgress", "RunSummary"]


@dataclass(frozen=True, slots=True)
class RunProgress:
    """Where a run stands: finished items out of all, and the denoising step of the batch in flight."""

    done: int
    total: int
    step: int
    steps: int
    batch_size: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    total: int
    generated: int
    skipped: int
    batches: int
    seconds: float


class LocalRunner:
    """Generates a run folder's pending items, batch by batch; every finished batch is on disk before the next."""

    def __init__(
        self,
        engine: Engine,
        run: RunFolder,
        on_progress: Callable[[RunProgress], None] | None = None,
        rates: LocalRates | None = None,
    ):
        self.engine = engine
        self.run_folder = run
        self._on_progress = on_progress
        self._rates = rates  # each batch's seconds per generated image, for `kiln generate --dry-run`

    def _report(self, step: int, steps: int, batch_size: int) -> None:
        if self._on_progress is not None:
            run = self.run_folder
            self._on_progress(RunProgress(run.done_count, len(run.items), step, steps, batch_size))

    def run(self) -> RunSummary:
        run = self.run_folder
        pending = run.pending()
        skipped = len(run.items) - len(pending)
        batcher: Batcher[ImageItem] = Batcher(self.engine.micro_batch)
        batcher.add(pending)
        started = time.perf_counter()
        batches = 0
        self._report(0, 0, 0)
        for batch in batcher.drain():
            batches += 1
            batch_started = time.perf_counter()
            size = len(batch)
            made_before = self.engine.images_generated
            results = self.engine.run(batch, on_step=partial(self._report, batch_size=size))
            made = self.engine.images_generated - made_before
            seconds = round(time.perf_counter() - batch_started, 4)
            for generated in results:
                run.storage.write(run.relative(generated.item), encode_generated(generated))
            run.record([(g.item, {"batch": batches, "batch_size": size, "seconds": seconds}) for g in results])
            if self._rates is not None and made:
                self._rates.record(batch[0].signature().key(), (time.perf_counter() - batch_started) / made)
            self._report(0, 0, 0)
        return RunSummary(len(run.items), len(pending), skipped, batches, time.perf_counter() - started)
