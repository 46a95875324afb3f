"""img2img: the engine on real tiny pipelines (SD, SD3, Flux), the planner's rules, infotext and `kiln generate`."""

from __future__ import annotations

import random
from dataclasses import replace
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
from kiln.jobs.bulk_input import specs_from_rows
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import ImageSpec
from kiln.media.images import read_metadata
from kiln.media.infotext import build_infotext, parse_infotext
from kiln.presets.styles import load_styles
from kiln.types import ImageItem
from tests.helpers import make_item

GUIDANCE = {"tiny-sd": 7.0, "tiny-sd3": 4.5, "tiny-flux": 0.0}


def picture(seed: int, size: int = 64) -> Image.Image:
    """A smooth random picture (blocks upscaled), unlike noise, so the VAE sees structure."""
    blocks = np.random.default_rng(seed).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return Image.fromarray(blocks).resize((size, size), Image.Resampling.BICUBIC)


def img2img_item(index: int = 0, **fields: Any) -> ImageItem:
    values: dict[str, Any] = {"kind": "img2img", "strength": 0.5, "steps": 4}
    values.update(fields)
    return make_item(index, **values)


@pytest.mark.parametrize("model", sorted(GUIDANCE))
def test_img2img_alone_equals_img2img_in_a_batch(engine: Engine, model: str) -> None:
    items = [img2img_item(i, model=model, guidance=GUIDANCE[model]) for i in range(4)]
    starts = [picture(i) for i in range(4)]
    steps: list[tuple[int, int]] = []
    batched = engine.run(items, init_images=starts, on_step=lambda s, n: steps.append((s, n)))
    alone = engine.run([items[2]], init_images=[starts[2]])[0]
    assert [g.image.size for g in batched] == [(64, 64)] * 4
    assert np.abs(batched[2].pixels - alone.pixels).max() < 1e-4
    assert np.abs(batched[1].pixels - batched[2].pixels).max() > 0.05  # batch-mates differ: not trivially equal
    assert steps == [(1, 2), (2, 2)]  # strength 0.5 of 4 steps denoises 2


@pytest.mark.parametrize("model", sorted(GUIDANCE))
def test_strength_and_the_init_image_change_the_output(engine: Engine, model: str) -> None:
    base = img2img_item(model=model, guidance=GUIDANCE[model])
    white, black = Image.new("RGB", (64, 64), "white"), Image.new("RGB", (64, 64), "black")
    [light, from_black] = engine.run([base, replace(base, index=1)], init_images=[white, black])
    [strong] = engine.run([replace(base, strength=1.0)], init_images=[white])
    assert np.abs(light.pixels - strong.pixels).max() > 0.05
    # same seed and prompt: only the start differs (tiny SD's random VAE carries little of it, so 0.01)
    assert np.abs(light.pixels - from_black.pixels).max() > 0.01


def test_txt2img_is_unchanged_by_an_img2img_call_between(engine: Engine) -> None:
    # the two pipelines share their modules and scheduler: img2img must leave nothing behind (e.g. a begin index)
    item = make_item(0, model="tiny-flux", guidance=0.0, steps=4)
    before = engine.run([item])[0]
    engine.run([img2img_item(model="tiny-flux", guidance=0.0)], init_images=[picture(1)])
    after = engine.run([item])[0]
    assert np.abs(before.pixels - after.pixels).max() < 1e-6


def test_init_image_files_give_what_images_in_memory_give(engine: Engine, tmp_path: Path) -> None:
    start = picture(3, size=96)  # another size: fitted to the item's 64x64
    start.save(tmp_path / "start.png")
    from_file = engine.run([img2img_item(init_image=str(tmp_path / "start.png"))])[0]
    from_memory = engine.run([img2img_item()], init_images=[start])[0]
    assert from_file.image.size == (64, 64)
    assert np.abs(from_file.pixels - from_memory.pixels).max() < 1e-6


def test_an_img2img_item_without_an_init_image_is_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="init_image: an img2img item needs an init image"):
        engine.run([img2img_item()])
    with pytest.raises(InvalidInput, match="does not exist"):
        engine.run([img2img_item(init_image=str(tmp_path / "gone.png"))])


def test_strength_is_part_of_the_signature_of_img2img_only() -> None:
    txt2img = make_item(0)
    assert "strength" not in txt2img.signature().key()  # keys stored before img2img stay valid
    assert txt2img.signature() == replace(txt2img, strength=0.3).signature()
    half, third = img2img_item(strength=0.5), img2img_item(strength=0.3)
    assert half.signature() != third.signature()
    assert '"strength":0.5' in half.signature().key()
    assert half.signature().label().endswith("denoise 0.5")


def test_infotext_carries_the_denoising_strength(engine: Engine) -> None:
    generated = engine.run([img2img_item(strength=0.5)], init_images=[picture(0)])[0]
    text = build_infotext(generated.item, sampler=generated.sampler, model_label=generated.model_label)
    assert parse_infotext(text)["Denoising strength"] == "0.5"
    assert "Denoising strength" not in build_infotext(make_item(0), sampler="Euler", model_label="tiny-sd")


def plan(*specs: ImageSpec, local_models: bool = True) -> list[ImageItem]:
    return plan_items(
        list(specs),
        defaults=None,
        settings=Settings(default_model="tiny-sd", max_items=100),
        styles=load_styles(),
        rng=random.Random(0),
        local_models=local_models,
    )


def test_the_planner_makes_an_init_image_an_img2img_item(tmp_path: Path) -> None:
    picture(0).save(tmp_path / "start.png")
    [default, chosen] = plan(
        ImageSpec(prompt="a boat", init_image=str(tmp_path / "start.png")),
        ImageSpec(prompt="a boat", init_image=str(tmp_path / "start.png"), strength=0.3, steps=10),
    )
    assert (default.kind, default.strength) == ("img2img", 0.75)
    assert default.init_image == str((tmp_path / "start.png").resolve())
    assert (chosen.kind, chosen.strength) == ("img2img", 0.3)
    [plain] = plan(ImageSpec(prompt="a boat"))
    assert (plain.kind, plain.init_image) == ("txt2img", None)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"strength": 0.5}, "strength", "give an init_image too"),
        ({"init_image": "{tmp}/missing.png"}, "init_image", "does not exist"),
        ({"init_image": "{tmp}/notes.png"}, "init_image", "cannot read"),
        ({"init_image": "{tmp}/start.png", "strength": 0.2, "steps": 4}, "strength", "less than one denoising step"),
    ],
)
def test_bad_img2img_input_is_named(tmp_path: Path, fields: dict[str, Any], field: str, message: str) -> None:
    picture(0).save(tmp_path / "start.png")
    (tmp_path / "notes.png").write_text("not an image")
    values = {k: v.format(tmp=tmp_path) if isinstance(v, str) else v for k, v in fields.items()}
    with pytest.raises(InvalidInput, match=message) as error:
        plan(ImageSpec.model_validate({"prompt": "a boat", **values}))
    assert error.value.field == field


@pytest.mark.parametrize("strength", ["0", "1.5", "-0.2"])
def test_strength_out_of_range_is_named(strength: str) -> None:
    with pytest.raises(InvalidInput, match="strength") as error:
        specs_from_rows([("line 1", {"prompt": "a boat", "init_image": "x.png", "strength": strength})], {})
    assert error.value.field == "strength"


def test_server_paths_are_refused_over_http(tmp_path: Path) -> None:
    picture(0).save(tmp_path / "start.png")
    with pytest.raises(InvalidInput, match="upload the image"):
        plan(ImageSpec(prompt="a boat", init_image=str(tmp_path / "start.png")), local_models=False)


def test_generate_with_an_init_image_writes_img2img_infotext(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KILN_THREADS", "2")
    picture(0).save(tmp_path / "start.png")
    result = CliRunner().invoke(
        app,
        [
            "generate", "a boat", "--init-image", str(tmp_path / "start.png"), "--strength", "0.5", "--steps", "4",
            "--width", "64", "--height", "64", "--seed", "3", "--prefix", "run", "--out", str(tmp_path / "out"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [image] = (tmp_path / "out" / "run").glob("*.png")
    params = parse_infotext(read_metadata(image).infotext or "")
    assert params["Denoising strength"] == "0.5"
    assert params["Steps"] == "4"
