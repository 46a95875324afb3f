"""The hires fix on the tiny SD pipeline: the larger image, alone equal to batched, an upscaler in the loop, the
planner's rules and `kiln generate --hires-scale`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.config import Settings
from kiln.engine.executor import Engine
from kiln.errors import InvalidInput
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import ImageSpec
from kiln.presets.styles import load_styles
from tests.helpers import make_item


def test_the_hires_fix_makes_the_larger_image_and_batches(engine: Engine) -> None:
    items = [make_item(i, steps=4, hires_scale=1.5, hires_strength=0.5) for i in range(3)]
    batched = engine.run(items)
    alone = engine.run([items[1]])[0]
    assert [g.image.size for g in batched] == [(96, 96)] * 3
    assert np.abs(batched[1].pixels - alone.pixels).max() < 1e-4
    plain = engine.run([make_item(1, steps=4)])[0]
    assert plain.image.size == (64, 64)
    assert items[0].signature() != make_item(0, steps=4).signature()  # never batched with plain items


def test_the_hires_fix_can_upscale_with_an_upscaler(tmp_path: Path) -> None:
    engine = Engine(Settings(threads=2, data_dir=tmp_path))
    [image] = engine.run([make_item(0, steps=2, hires_scale=2.0, hires_upscaler="tiny-esrgan")])
    assert image.image.size == (128, 128)


def plan(**fields: Any) -> list[Any]:
    return plan_items(
        [ImageSpec(**{"prompt": "a cat", "model": "tiny-sd", "steps": 4, "width": 64, "height": 64, **fields})],
        defaults=None, settings=Settings(), styles=load_styles(None), start_seed=1,
    )  # fmt: skip


def test_the_planner_checks_the_hires_fix() -> None:
    [item] = plan(hires={"scale": 2})
    assert (item.hires_scale, item.hires_strength, item.width) == (2.0, 0.5, 64)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"hires": {"scale": 2, "upscaler": "nope"}}, "hires.upscaler"),
        ({"width": 1024, "height": 1024, "hires": {"scale": 2}}, "hires"),
        ({"hires": {"scale": 2, "strength": 0.1}}, "hires"),
    ]
    for fields, field in cases:
        with pytest.raises(InvalidInput) as caught:
            plan(**fields)
        assert caught.value.field == field


def test_kiln_generate_with_the_hires_fix(tmp_path: Path) -> None:
    args = ["generate", "a cat", "--model", "tiny-sd", "--steps", "2", "--width", "64", "--height", "64",
            "--hires-scale", "2", "--hires-strength", "0.5", "--out", str(tmp_path), "--prefix", "hires"]  # fmt: skip
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    [made] = (tmp_path / "hires").glob("*.png")
    assert Image.open(made).size == (128, 128)
