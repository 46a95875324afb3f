"""LoRAs and ControlNet on the built-in tiny models: real diffusers pipelines, real peft LoRA layers, on the CPU."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiln.config import Settings
from kiln.engine.control_images import canny_edges
from kiln.engine.executor import Engine
from kiln.engine.hashes import addnet_hash
from kiln.engine.tiny.adapters import build_tiny_lora
from kiln.media.images import read_metadata
from kiln.media.infotext import parse_infotext
from kiln.types import ControlUse, ImageItem, LoraUse
from kiln.worker.artifacts import encode_generated
from tests.helpers import make_item

SD_LORA = "builtin:tiny-sd-lora"


def lora(weight: float, source: str = SD_LORA, name: str = "tiny-sd-lora") -> LoraUse:
    return LoraUse(name=name, source=source, weight=weight)


def pixels(engine: Engine, *items: ImageItem) -> list[np.ndarray]:
    return [generated.pixels for generated in engine.run(list(items))]


def shapes_picture(path: Path) -> Path:
    """A picture with hard edges (a white square and a grey disc on black) for canny to find."""
    image = Image.new("RGB", (64, 64))
    array = np.zeros((64, 64, 3), dtype=np.uint8)
    array[10:30, 10:30] = 255
    yy, xx = np.mgrid[:64, :64]
    array[(yy - 44) ** 2 + (xx - 44) ** 2 < 100] = 128
    image = Image.fromarray(array)
    image.save(path)
    return path


def test_a_lora_at_weight_0_gives_the_image_without_it_and_at_weight_1_changes_it(engine: Engine) -> None:
    [plain] = pixels(engine, make_item(0))
    [zero] = pixels(engine, make_item(0, loras=(lora(0.0),)))
    [one] = pixels(engine, make_item(0, loras=(lora(1.0),)))
    assert np.abs(zero - plain).max() < 1e-4
    assert np.abs(one - plain).max() > 1e-2


def test_an_item_alone_equals_the_same_item_batched_with_a_lora(engine: Engine) -> None:
    items = [make_item(i, loras=(lora(0.8),)) for i in range(4)]
    batched = pixels(engine, *items)
    [alone] = pixels(engine, items[2])
    assert np.abs(batched[2] - alone).max() < 1e-4
    assert np.abs(batched[1] - batched[2]).max() > 0.05  # not trivially equal


def test_the_lora_set_is_removed_cleanly_before_a_batch_of_another_set(engine: Engine, tmp_path: Path) -> None:
    [plain] = pixels(engine, make_item(1))
    [with_a] = pixels(engine, make_item(1, loras=(lora(1.0),)))
    [after] = pixels(engine, make_item(1))  # the batch after set A has no LoRA
    assert np.abs(after - plain).max() < 1e-6
    assert np.abs(with_a - plain).max() > 1e-2
    model = engine.model("tiny-sd")
    assert not any("lora" in name for name, _ in model.pipe.unet.named_modules())  # the layers are gone too
    # weights only change: the same set at another weight, and back
    [half] = pixels(engine, make_item(1, loras=(lora(0.5),)))
    [again] = pixels(engine, make_item(1, loras=(lora(1.0),)))
    assert np.abs(half - with_a).max() > 1e-3
    assert np.abs(again - with_a).max() < 1e-6


def test_a_lora_from_the_lora_folder_is_loaded_and_hashed_as_a1111_does(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    folder = tmp_path / "loras" / "styles"
    folder.mkdir(parents=True)
    save_file(build_tiny_lora("tiny-sd-lora"), folder / "ink.safetensors")
    engine = Engine(Settings(threads=2, data_dir=tmp_path / "data", lora_dir=tmp_path / "loras"))
    [builtin] = engine.run([make_item(0, loras=(lora(1.0),))])
    [from_file] = engine.run([make_item(0, loras=(lora(1.0, "dir:styles/ink", "ink"),))])
    assert np.abs(builtin.pixels - from_file.pixels).max() < 1e-5  # the same weights, from the file
    expected = addnet_hash((folder / "ink.safetensors").read_bytes())[:12]
    assert from_file.lora_hashes == (("ink", expected),)
    assert expected in (tmp_path / "data" / "hashes.json").read_text()  # cached by path, size and time


def test_a_tiny_flux_lora_changes_a_flux_image(engine: Engine) -> None:
    base = make_item(0, model="tiny-flux", guidance=0.0)
    [plain] = pixels(engine, base)
    [zero, one] = pixels(
        engine, replace(base, loras=(lora(0.0, "builtin:tiny-flux-lora", "tiny-flux-lora"),))
    ) + pixels(engine, replace(base, loras=(lora(1.0, "builtin:tiny-flux-lora", "tiny-flux-lora"),)))
    assert np.abs(zero - plain).max() < 1e-4
    assert np.abs(one - plain).max() > 1e-3


def test_the_infotext_has_model_hash_lora_hashes_and_the_lora_tag(engine: Engine, tmp_path: Path) -> None:
    [generated] = engine.run([make_item(0, loras=(lora(0.8),))])
    path = tmp_path / "image.png"
    path.write_bytes(encode_generated(generated))
    metadata = read_metadata(path)
    params = parse_infotext(metadata.infotext or "")
    assert params["Model hash"] == generated.model_hash and len(params["Model hash"]) == 10
    assert params["Lora hashes"] == f"tiny-sd-lora: {generated.lora_hashes[0][1]}"
    assert len(generated.lora_hashes[0][1]) == 12
    assert params["Prompt"].endswith("<lora:tiny-sd-lora:0.8>")  # A1111 keeps the tag in its infotext
    assert metadata.recipe is not None
    assert metadata.recipe["item"]["loras"] == [{"name": "tiny-sd-lora", "source": SD_LORA, "weight": 0.8}]
    assert ImageItem.from_dict(metadata.recipe["item"]).loras == (lora(0.8),)
    [again] = engine.run([make_item(0)])
    assert again.model_hash == generated.model_hash  # a LoRA loaded on the model is not the model


def test_lora_sets_are_part_of_the_signature() -> None:
    a, b = lora(1.0), lora(0.5, "dir:ink", "ink")
    assert make_item(0, loras=(a, b)).signature() == make_item(1, loras=(b, a)).signature()
    assert make_item(0, loras=(a,)).signature() != make_item(0).signature()
    assert make_item(0, loras=(a,)).signature() != make_item(0, loras=(replace(a, weight=0.9),)).signature()
    control = ControlUse("canny", "/x.png", 1.0, "tiny-controlnet")
    assert make_item(0, control=control).signature() != make_item(0).signature()
    assert make_item(0, control=control).signature() != make_item(0, control=replace(control, scale=0.5)).signature()
    assert (
        make_item(0, control=control).signature() == make_item(1, control=replace(control, image="/y.png")).signature()
    )


def test_a_controlnet_at_scale_0_equals_no_controlnet_and_at_scale_1_differs(engine: Engine, tmp_path: Path) -> None:
    picture = str(shapes_picture(tmp_path / "shapes.png"))
    [plain] = pixels(engine, make_item(0))
    [zero] = pixels(engine, make_item(0, control=ControlUse("canny", picture, 0.0, "tiny-controlnet")))
    [one] = pixels(engine, make_item(0, control=ControlUse("canny", picture, 1.0, "tiny-controlnet")))
    [depth] = pixels(engine, make_item(0, control=ControlUse("depth", picture, 1.0, "tiny-controlnet")))
    assert np.abs(zero - plain).max() < 1e-4
    assert np.abs(one - plain).max() > 1e-2
    assert np.abs(depth - one).max() > 1e-3  # depth takes the picture itself, canny its edges
    [after] = pixels(engine, make_item(0))
    assert np.abs(after - plain).max() < 1e-6


def test_controlnet_items_alone_equal_them_batched_each_with_its_own_image(engine: Engine, tmp_path: Path) -> None:
    first = str(shapes_picture(tmp_path / "a.png"))
    Image.open(first).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(tmp_path / "b.png")
    control = ControlUse("canny", first, 1.0, "tiny-controlnet")
    items = [make_item(0, control=control), make_item(0, control=replace(control, image=str(tmp_path / "b.png")))]
    batched = pixels(engine, *items)
    [alone] = pixels(engine, items[1])
    assert np.abs(batched[1] - alone).max() < 1e-4
    assert np.abs(batched[0] - batched[1]).max() > 1e-3  # same seed and prompt: only the control image differs


def test_canny_finds_the_edges_of_shapes(tmp_path: Path) -> None:
    edges = np.asarray(canny_edges(Image.open(shapes_picture(tmp_path / "s.png"))))
    assert edges.shape == (64, 64, 3) and set(np.unique(edges)) == {0, 255}
    assert edges[20, 8:12, 0].max() == 255 and edges[20, 20, 0] == 0  # the square's side, not its inside
    assert edges[:5, :5].max() == 0


def test_control_images_in_memory_replace_the_files(engine: Engine, tmp_path: Path) -> None:
    picture = shapes_picture(tmp_path / "shapes.png")
    item = make_item(0, control=ControlUse("canny", "storage:uploads/x.png", 1.0, "tiny-controlnet"))
    [from_memory] = engine.run([item], control_images=[Image.open(picture)])
    assert item.control is not None
    [from_file] = pixels(engine, replace(item, control=replace(item.control, image=str(picture))))
    assert np.abs(from_memory.pixels - from_file).max() < 1e-6


@pytest.mark.parametrize("problem", ["missing", "too_big"])
def test_a_bad_control_file_names_the_field(tmp_path: Path, problem: str) -> None:
    from kiln.errors import InvalidInput

    picture = shapes_picture(tmp_path / "shapes.png")
    path = str(tmp_path / "gone.png") if problem == "missing" else str(picture)
    engine = Engine(Settings(threads=2, data_dir=tmp_path, max_input_pixels=100))
    with pytest.raises(InvalidInput) as error:
        engine.run([make_item(0, control=ControlUse("canny", path, 1.0, "tiny-controlnet"))])
    assert error.value.field == "control.image"


def test_file_hashes_are_a1111s_and_cached_until_the_file_changes(tmp_path: Path) -> None:
    import hashlib
    import os

    from kiln.engine.hashes import FileHashes

    header = b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
    data = len(header).to_bytes(8, "little") + header + b"\x00\x00\x80\x3f"
    path = tmp_path / "model.safetensors"
    path.write_bytes(data)
    hashes = FileHashes(tmp_path / "hashes.json")
    assert hashes.sha256(path) == hashlib.sha256(data).hexdigest()  # A1111's Model hash: its first 10 digits
    assert hashes.addnet(path) == hashlib.sha256(b"\x00\x00\x80\x3f").hexdigest() == addnet_hash(data)
    stat = path.stat()
    path.write_bytes(data[:-1] + b"\x40")  # same size: cached by time too
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert FileHashes(tmp_path / "hashes.json").sha256(path) == hashlib.sha256(data).hexdigest()  # from the cache
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert hashes.sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()  # changed: hashed again


def test_a1111s_own_parser_reads_the_adapter_keys(engine: Engine, tmp_path: Path) -> None:
    from tests.test_infotext import a1111_parse_generation_parameters

    picture = str(shapes_picture(tmp_path / "shapes.png"))
    item = make_item(0, loras=(lora(0.5),), control=ControlUse("canny", picture, 0.5, "tiny-controlnet"))
    [generated] = engine.run([item])
    path = tmp_path / "image.png"
    path.write_bytes(encode_generated(generated))
    params = a1111_parse_generation_parameters(read_metadata(path).infotext or "")
    assert params["Lora hashes"] == f"tiny-sd-lora: {generated.lora_hashes[0][1]}"
    assert params["Model hash"] == generated.model_hash
    assert params["ControlNet 0"] == "Module: canny, Model: tiny-controlnet, Weight: 0.5"
    assert "<lora:tiny-sd-lora:0.5>" in params["Prompt"]
