"""Images per second through kiln's engine vs. a direct diffusers loop at the same micro-batch vs. a naive
one-image-per-call loop, for the tiny SD, SD3 and Flux models at 128x128. One run, ratios within it.

    .venv/bin/python -m bench.engine [--images 128] [--micro-batch 16] [--steps 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.types import ImageItem

MODELS = {"tiny-sd": 7.0, "tiny-sd3": 4.5, "tiny-flux": 0.0}
SIZE = 128


def _items(model: str, guidance: float, count: int, steps: int) -> list[ImageItem]:
    return [
        ImageItem(
            index=i,
            prompt=f"scene {i}: a harbour at dawn, boats",
            negative_prompt="blurry",
            user_prompt="",
            model=model,
            width=SIZE,
            height=SIZE,
            steps=steps,
            guidance=guidance,
            seed=i,
        )
        for i in range(count)
    ]


def _direct_call(pipe: Any, items: list[ImageItem], negative: bool, extra: dict[str, Any]) -> None:
    kwargs: dict[str, Any] = dict(extra)
    if negative:
        kwargs["negative_prompt"] = [i.negative_prompt for i in items]
    with torch.inference_mode():
        pipe(
            prompt=[i.prompt for i in items],
            height=SIZE,
            width=SIZE,
            num_inference_steps=items[0].steps,
            guidance_scale=items[0].guidance,
            generator=[torch.Generator().manual_seed(i.seed) for i in items],
            **kwargs,
        )


def _timed(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def _rates(engine: Engine, model: str, guidance: float, args: argparse.Namespace) -> dict[str, float]:
    """Images/s of each mode for one model: interleaved rounds, the best round of each counts."""
    items = _items(model, guidance, args.images, args.steps)
    loaded = engine.model(model)
    pipe, negative, extra = loaded.pipe, loaded.info.family.supports_negative, dict(loaded.info.family.call_kwargs)
    batches = [items[i : i + args.micro_batch] for i in range(0, len(items), args.micro_batch)]

    def kiln_run() -> None:
        for batch in batches:
            engine.run(batch)

    def direct_run() -> None:
        for batch in batches:
            _direct_call(pipe, batch, negative, extra)

    def naive_run() -> None:
        for item in items:
            _direct_call(pipe, [item], negative, extra)

    modes = {"kiln": kiln_run, "direct": direct_run, "naive": naive_run}
    engine.run(items[: args.micro_batch])  # warm-up: first calls allocate memory and pick kernels
    _direct_call(pipe, items[:1], negative, extra)
    timings: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):  # interleaved, so drift in machine speed hits every mode alike
        for name, run in modes.items():
            timings[name].append(_timed(run))
    return {name: args.images / min(seconds) for name, seconds in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--micro-batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5, help="each mode runs this often; the best round counts")
    args = parser.parse_args()
    torch.set_num_threads(2)
    engine = Engine(Settings(threads=2, micro_batch=args.micro_batch), max_models=len(MODELS))
    table = Table(
        "model",
        "kiln img/s",
        "direct img/s",
        "naive img/s",
        "kiln / direct",
        "kiln / naive",
        title=f"{SIZE}x{SIZE}, {args.steps} steps, micro-batch {args.micro_batch}, {args.images} images per round",
    )
    for model, guidance in MODELS.items():
        rate = _rates(engine, model, guidance, args)
        table.add_row(
            model,
            f"{rate['kiln']:.1f}",
            f"{rate['direct']:.1f}",
            f"{rate['naive']:.1f}",
            f"{rate['kiln'] / rate['direct']:.3f}x",
            f"{rate['kiln'] / rate['naive']:.2f}x",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
