"""A worker process for tests only: the real `kiln worker` loop, whose engine kills its own process (as a
segfaulting kernel would) on any batch with "POISON" in a prompt.

Run as `python -m tests.worker.poison_worker PARENT_PID`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from PIL import Image

from kiln.config import Settings
from kiln.engine.executor import BatchLatentsCallback, Engine, GeneratedImage, StepCallback
from kiln.types import ImageItem
from kiln.worker.process import run_worker

POISON_EXIT_CODE = 17


class PoisonEngine(Engine):
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
        if any("POISON" in item.prompt for item in items):
            os._exit(POISON_EXIT_CODE)
        return super().run(
            items,
            init_images=init_images,
            on_step=on_step,
            should_cancel=should_cancel,
            on_latents=on_latents,
            masks=masks,
            control_images=control_images,
        )


def main() -> None:
    settings = Settings()
    engine = PoisonEngine(settings, max_models=1)
    run_worker(settings, engine=engine, parent=int(sys.argv[1]), grace_seconds=5.0)


if __name__ == "__main__":
    main()
