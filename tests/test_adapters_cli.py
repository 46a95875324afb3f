"""LoRAs and ControlNet from the command line: `kiln generate --lora/--control`, `kiln loras`, `kiln reproduce`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.media.images import read_metadata
from kiln.media.infotext import parse_infotext
from tests.test_adapters_engine import shapes_picture

SMALL = ["--width", "64", "--height", "64", "--steps", "3", "--seed", "5"]


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KILN_THREADS", "2")
    monkeypatch.setenv("KILN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KILN_LORA_DIR", str(tmp_path / "loras"))


def generate(tmp_path: Path, prefix: str, *args: str) -> Path:
    result = CliRunner().invoke(app, ["generate", *args, *SMALL, "--prefix", prefix, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [image] = (tmp_path / "out" / prefix).glob("*.png")
    return image


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def test_a_lora_tag_in_the_prompt_applies_the_lora_and_reproduce_matches(tmp_path: Path) -> None:
    plain = generate(tmp_path, "plain", "a red kite")
    tagged = generate(tmp_path, "tagged", "a red kite <lora:tiny-sd-lora:0.8>")
    flagged = generate(tmp_path, "flagged", "a red kite", "--lora", "tiny-sd-lora:0.8")
    assert np.abs(pixels(tagged) - pixels(plain)).max() > 2
    assert np.abs(pixels(tagged) - pixels(flagged)).max() <= 1  # the tag and the flag are the same LoRA
    metadata = read_metadata(tagged)
    assert metadata.recipe is not None
    item = metadata.recipe["item"]
    assert item["prompt"] == "a red kite" and item["loras"][0]["weight"] == 0.8
    params = parse_infotext(metadata.infotext or "")
    assert params["Lora hashes"].startswith("tiny-sd-lora: ") and len(params["Model hash"]) == 10
    result = CliRunner().invoke(app, ["reproduce", str(tagged)])
    assert result.exit_code == 0, result.output
    assert "same image" in result.output
    copy = tagged.with_name(f"{tagged.stem}.reproduced.png")
    assert np.abs(pixels(copy) - pixels(tagged)).max() <= 2


def test_a_lora_file_from_the_lora_folder(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    from kiln.engine.tiny.adapters import build_tiny_lora

    (tmp_path / "loras").mkdir()
    save_file(build_tiny_lora("tiny-sd-lora"), tmp_path / "loras" / "kite.safetensors")
    listed = CliRunner().invoke(app, ["loras"])
    assert listed.exit_code == 0 and "kite" in listed.output and "tiny-sd-lora" in listed.output
    assert "canny (computed)" in listed.output
    image = generate(tmp_path, "folder", "a red kite", "--lora", "kite:1")
    builtin = generate(tmp_path, "builtin", "a red kite", "--lora", "tiny-sd-lora")
    assert np.abs(pixels(image) - pixels(builtin)).max() <= 1
    params = parse_infotext(read_metadata(image).infotext or "")
    assert params["Lora hashes"].startswith("kite: ")


def test_a_controlnet_from_the_command_line_and_reproduce(tmp_path: Path) -> None:
    picture = shapes_picture(tmp_path / "shapes.png")
    plain = generate(tmp_path, "plain", "a red kite")
    zero = generate(tmp_path, "zero", "a red kite", "--control", "canny", "--control-image", str(picture),
                    "--control-scale", "0")  # fmt: skip
    guided = generate(tmp_path, "guided", "a red kite", "--control", "canny", "--control-image", str(picture))
    assert np.abs(pixels(zero) - pixels(plain)).max() <= 1
    assert np.abs(pixels(guided) - pixels(plain)).max() > 2
    params = parse_infotext(read_metadata(guided).infotext or "")
    assert params["ControlNet 0"] == "Module: canny, Model: tiny-controlnet, Weight: 1"
    result = CliRunner().invoke(app, ["reproduce", str(guided)])
    assert result.exit_code == 0 and "same image" in result.output, result.output


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--lora", "nope:1"], "loras.0.name"),
        (["--lora", "tiny-sd-lora:7"], "weight"),
        (["--lora", "tiny-sd-lora:lots"], "lora"),
        (["--control", "sketch", "--control-image", "IMAGE"], "control.type"),
        (["--control", "canny", "--control-image", "missing.png"], "control.image"),
        (["--control", "canny"], "control_image"),
        (["--model", "tiny-flux", "--control", "canny", "--control-image", "IMAGE"], "control.type"),
    ],
)
def test_bad_adapter_flags_exit_2_naming_the_field(tmp_path: Path, args: list[str], field: str) -> None:
    picture = str(shapes_picture(tmp_path / "shapes.png"))
    args = [picture if arg == "IMAGE" else arg for arg in args]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "300"}
    result = subprocess.run(
        [sys.executable, "-m", "kiln.cli", "generate", "a kite", *args, "--out", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert field in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.png"))


def test_loras_and_control_from_a_jsonl_file(tmp_path: Path) -> None:
    picture = shapes_picture(tmp_path / "shapes.png")
    rows = [
        {"prompt": "a kite", "loras": [{"name": "tiny-sd-lora", "weight": 0.5}]},
        {"prompt": "a kite", "control": {"type": "depth", "image": str(picture)}},
    ]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = CliRunner().invoke(
        app, ["generate", "--from", str(tmp_path / "rows.jsonl"), *SMALL, "--prefix", "f", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    recipes = [read_metadata(p).recipe for p in sorted((tmp_path / "o" / "f").glob("*.png"))]
    assert [r["item"]["loras"] for r in recipes if r] == [[{"name": "tiny-sd-lora", "source": "builtin:tiny-sd-lora",
                                                             "weight": 0.5}], []]  # fmt: skip
    assert [r["item"]["control"]["type"] for r in recipes if r and r["item"]["control"]] == ["depth"]
