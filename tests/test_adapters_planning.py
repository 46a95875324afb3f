"""Planning LoRAs and ControlNets: prompt tags, the LoRA folder, the field named by every refusal. No torch."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError

from kiln.config import Settings
from kiln.engine.lora_catalog import list_loras
from kiln.errors import InvalidInput
from kiln.jobs.loras import take_lora_tags
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import ImageSpec
from kiln.presets.styles import load_styles
from kiln.types import ControlUse, ImageItem, LoraUse


@pytest.fixture
def lora_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "loras"
    (folder / "styles").mkdir(parents=True)
    (folder / "styles" / "ink.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    (folder / "detail.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    return folder


def plan(lora_dir: Path, local: bool = True, max_pixels: int = 64_000_000, **fields: Any) -> ImageItem:
    settings = Settings(default_model="tiny-sd", lora_dir=lora_dir, max_input_pixels=max_pixels)
    spec = ImageSpec.model_validate({"prompt": "a harbour", **fields})
    [item] = plan_items(
        [spec], defaults=None, settings=settings, styles=load_styles(), rng=random.Random(0), local_models=local
    )
    return item


def refusal(lora_dir: Path, **fields: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as error:
        plan(lora_dir, **fields)
    return error.value


def test_a1111_lora_tags_are_taken_out_of_the_prompt(lora_dir: Path) -> None:
    item = plan(lora_dir, prompt="a harbour at dawn, <lora:detail:0.8>, oil painting <lora:tiny-sd-lora>")
    assert item.prompt == "a harbour at dawn, oil painting"
    assert item.user_prompt == "a harbour at dawn, oil painting"
    assert item.loras == (
        LoraUse("detail", "dir:detail", 0.8),
        LoraUse("tiny-sd-lora", "builtin:tiny-sd-lora", 1.0),
    )


def test_tags_with_a1111_extra_multipliers_use_the_first() -> None:
    text, found = take_lora_tags("<LORA:ink:0.5:0.2> a boat")
    assert text == "a boat" and [(s.name, s.weight) for s in found] == [("ink", 0.5)]


def test_the_loras_field_names_loras_in_the_folder_and_the_last_weight_wins(lora_dir: Path) -> None:
    item = plan(lora_dir, prompt="a harbour <lora:styles/ink:0.3>", loras=[{"name": "styles/ink", "weight": 0.9}])
    assert item.loras == (LoraUse("ink", "dir:styles/ink", 0.3),)
    local = plan(lora_dir, loras=[{"path": str(lora_dir / "detail.safetensors"), "weight": -1}])
    assert local.loras == (LoraUse("detail", str((lora_dir / "detail.safetensors").resolve()), -1.0),)


def test_over_http_a_lora_path_inside_the_folder_becomes_its_name(lora_dir: Path) -> None:
    item = plan(lora_dir, local=False, loras=[{"path": "styles/ink.safetensors"}])
    assert item.loras == (LoraUse("ink", "dir:styles/ink", 1.0),)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"loras": [{"name": "nope"}]}, "loras.0.name"),
        ({"loras": [{"name": "../secrets"}]}, "loras.0.name"),
        ({"prompt": "a boat <lora:nope:1>"}, "prompt"),
        ({"prompt": "a boat <lora:detail:9>"}, "prompt"),
        ({"prompt": "a boat <lora:detail:much>"}, "prompt"),
        ({"prompt": "<lora:detail:1>"}, "prompt"),
        ({"loras": [{"name": "tiny-flux-lora"}]}, "loras.0.name"),
        ({"loras": [{"path": "/etc/passwd.safetensors"}]}, "loras.0.path"),
        ({"loras": [{"path": "missing.safetensors"}]}, "loras.0.path"),
    ],
)
def test_bad_loras_are_refused_naming_the_field(lora_dir: Path, fields: dict[str, Any], field: str) -> None:
    assert refusal(lora_dir, **fields).field == field


def test_over_http_a_path_outside_the_lora_folder_is_refused(lora_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.safetensors").write_bytes(b"x")
    for path in (str(tmp_path / "elsewhere.safetensors"), "../elsewhere.safetensors"):
        error = refusal(lora_dir, local=False, loras=[{"path": path}])
        assert error.field == "loras.0.path" and "KILN_LORA_DIR" in error.message


def test_weights_out_of_range_are_refused_by_the_spec() -> None:
    with pytest.raises(ValidationError) as error:
        ImageSpec.model_validate({"prompt": "a boat", "loras": [{"name": "x", "weight": 5}]})
    assert error.value.errors()[0]["loc"] == ("loras", 0, "weight")
    with pytest.raises(ValidationError):
        ImageSpec.model_validate({"prompt": "a boat", "loras": [{"name": "x", "path": "y.safetensors"}]})


def test_the_lora_folder_is_listed_with_the_builtins(lora_dir: Path) -> None:
    names = [(entry.name, entry.source) for entry in list_loras(lora_dir)]
    assert names == [
        ("tiny-sd-lora", "builtin"),
        ("tiny-flux-lora", "builtin"),
        ("detail", "folder"),
        ("styles/ink", "folder"),
    ]


def test_a_control_becomes_a_controlnet_item(lora_dir: Path, tmp_path: Path) -> None:
    Image.new("RGB", (32, 32)).save(tmp_path / "edges.png")
    item = plan(lora_dir, control={"type": "Canny", "image": str(tmp_path / "edges.png"), "scale": 0.7})
    assert item.control == ControlUse("canny", str((tmp_path / "edges.png").resolve()), 0.7, "tiny-controlnet")
    assert item.signature().adapters == ("control:canny:tiny-controlnet@0.7",)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"control": {"type": "sketch", "image": "IMAGE"}}, "control.type"),
        ({"model": "tiny-flux", "control": {"type": "canny", "image": "IMAGE"}}, "control.type"),
        ({"control": {"type": "canny", "image": "missing.png"}}, "control.image"),
        ({"control": {"type": "canny", "image": "IMAGE"}, "max_pixels": 100}, "control.image"),
        ({"control": {"type": "canny", "image": "IMAGE"}, "init_image": "IMAGE"}, "control"),
        ({"control": {"type": "canny", "image": "IMAGE"}, "local": False}, "control.image"),
    ],
)
def test_bad_controls_are_refused_naming_the_field(
    lora_dir: Path, tmp_path: Path, fields: dict[str, Any], field: str
) -> None:
    Image.new("RGB", (32, 32)).save(tmp_path / "edges.png")

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return str(tmp_path / "edges.png") if value == "IMAGE" else value

    assert refusal(lora_dir, **fill(fields)).field == field


def test_a_control_scale_out_of_range_is_refused_by_the_spec() -> None:
    with pytest.raises(ValidationError) as error:
        ImageSpec.model_validate({"prompt": "a boat", "control": {"type": "canny", "image": "x.png", "scale": 3}})
    assert error.value.errors()[0]["loc"] == ("control", "scale")
