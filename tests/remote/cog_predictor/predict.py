"""A tiny Cog predictor with Flux-schnell's inputs, for kiln's tests: a small flat image whose colour comes from
the seed, drawn with Pillow.

Each inference step waits `KILN_COG_STEP_SECONDS` (the server's environment) and prints a tqdm-style line
("NN%|###   | n/N"), so many steps make a prediction that runs long enough to be polled and canceled. A prompt
containing "raise" makes the prediction fail.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path

from cog import BasePredictor, Input
from cog import Path as CogPath
from PIL import Image

SIDES = {"1:1": (64, 64), "16:9": (96, 54), "9:16": (54, 96), "4:3": (80, 60), "3:4": (60, 80)}


def colour(seed: int, n: int) -> tuple[int, int, int]:
    rng = random.Random(seed * 10 + n)
    return rng.randrange(256), rng.randrange(256), rng.randrange(256)


class Predictor(BasePredictor):  # type: ignore[misc]  # cog ships no type information
    def predict(
        self,
        prompt: str = Input(description="What to draw"),
        aspect_ratio: str = Input(default="1:1"),
        num_outputs: int = Input(default=1, ge=1, le=4),
        num_inference_steps: int = Input(default=4, ge=1, le=1000),
        seed: int = Input(default=0),
        output_format: str = Input(default="webp"),
        output_quality: int = Input(default=80, ge=0, le=100),
        go_fast: bool = Input(default=True),
        megapixels: str = Input(default="1"),
    ) -> list[CogPath]:
        if "raise" in prompt:
            raise ValueError("the prompt asked the test predictor to fail")
        step_seconds = float(os.environ.get("KILN_COG_STEP_SECONDS", "0"))
        for step in range(1, num_inference_steps + 1):
            time.sleep(step_seconds)
            percent = step * 100 // num_inference_steps
            print(f"{percent:3d}%|{'#' * (percent // 10):<10}| {step}/{num_inference_steps}", flush=True)
        out_dir = Path(tempfile.mkdtemp())
        paths = []
        for n in range(num_outputs):
            ext = "jpg" if output_format == "jpg" else output_format
            path = out_dir / f"out-{n}.{ext}"
            image = Image.new("RGB", SIDES.get(aspect_ratio, (64, 64)), colour(seed, n))
            image.save(path, format="JPEG" if ext == "jpg" else ext.upper(), quality=output_quality)
            paths.append(CogPath(path))
        return paths
