"""Model names → where the model lives and which family's defaults apply."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from kiln.engine.catalog import list_models, resolve_model
from kiln.errors import InvalidInput, ModelLoadError, UnknownModel


def _checkpoint(path: Path, *keys: str) -> Path:
    save_file({key: np.zeros(1, dtype=np.float32) for key in keys}, str(path))
    return path


def test_builtin_and_known_hub_ids() -> None:
    assert resolve_model("tiny-flux").family.distilled
    schnell = resolve_model("black-forest-labs/FLUX.1-schnell")
    assert (schnell.source, schnell.family.name) == ("hub", "flux-schnell")
    assert resolve_model("stabilityai/stable-diffusion-xl-base-1.0").family.name == "sdxl"
    assert resolve_model("Tongyi-MAI/Z-Image-Turbo").family.quality_steps["balanced"] == 8
    assert {"tiny-sd", "tiny-sd3", "tiny-flux", "tiny-zimage"} <= {m.name for m in list_models()}


def test_an_unknown_hub_id_needs_a_family() -> None:
    with pytest.raises(InvalidInput, match="--family"):
        resolve_model("someone/some-model")
    assert resolve_model("someone/some-model", "sdxl").family.name == "sdxl"


def test_unknown_names_list_the_builtins() -> None:
    with pytest.raises(UnknownModel, match="tiny-sd"):
        resolve_model("definitely not a model")


def test_a_folder_is_read_by_its_model_index(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"model_index\.json"):
        resolve_model(str(tmp_path))
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusion3Pipeline"}))
    info = resolve_model(str(tmp_path))
    assert (info.source, info.family.name, info.label) == ("folder", "sd3", tmp_path.name)
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "KandinskyPipeline"}))
    with pytest.raises(InvalidInput, match="KandinskyPipeline"):
        resolve_model(str(tmp_path))


@pytest.mark.parametrize(
    ("keys", "family"),
    [
        (["model.diffusion_model.input_blocks.0.0.weight"], "sd15"),
        (["conditioner.embedders.1.model.ln_final.weight", "model.diffusion_model.input_blocks.0.0.weight"], "sdxl"),
        (["model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight"], "sd3"),
        (["double_blocks.0.img_attn.norm.key_norm.scale"], "flux-schnell"),
        (["double_blocks.0.img_attn.norm.key_norm.scale", "guidance_in.in_layer.weight"], "flux"),
    ],
)
def test_single_file_checkpoints_are_recognised_by_their_keys(tmp_path: Path, keys: list[str], family: str) -> None:
    info = resolve_model(str(_checkpoint(tmp_path / "model.safetensors", *keys)))
    assert (info.source, info.family.name, info.label) == ("single_file", family, "model")


def test_single_files_that_cannot_be_read_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        resolve_model(str(tmp_path / "missing.safetensors"))
    (tmp_path / "old.ckpt").write_bytes(b"pickle")
    with pytest.raises(InvalidInput, match="--family"):
        resolve_model(str(tmp_path / "old.ckpt"))
    assert resolve_model(str(tmp_path / "old.ckpt"), "sd15").family.name == "sd15"
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(InvalidInput, match="not a safetensors file"):
        resolve_model(str(tmp_path / "junk.safetensors"))
    with pytest.raises(InvalidInput, match="cannot tell"):
        resolve_model(str(_checkpoint(tmp_path / "odd.safetensors", "some.other.weight")))


def test_a_hub_model_that_is_not_downloaded_is_a_clear_load_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from kiln.config import Settings
    from kiln.engine.device import plan_device
    from kiln.engine.loader import load_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match=r"stable-diffusion-3\.5-medium") as caught:
        load_model(resolve_model("stabilityai/stable-diffusion-3.5-medium"), plan_device(Settings()))
    message = str(caught.value)  # what an API client reads as the item's error: what to do, no stack trace to see
    assert "could not be loaded" in message and "is a hub id that exists" in message, message
    assert "reachable from the worker" in message and "stacktrace" not in message.lower(), message
