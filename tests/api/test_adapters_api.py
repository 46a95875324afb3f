"""LoRAs and ControlNet as job items over the API, made by the product's worker on the tiny engine."""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np
import pytest
from PIL import Image

from kiln.engine.executor import Engine
from kiln.media.images import read_metadata
from kiln.media.infotext import parse_infotext
from tests.api.conftest import SMALL, Api, ApiFactory
from tests.bomb import bomb_png

pytestmark = pytest.mark.timeout(300)


def shapes_png() -> bytes:
    array = np.zeros((64, 64, 3), dtype=np.uint8)
    array[10:30, 10:30] = 255
    array[40:60, 36:50] = 128
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(api: Api, data: bytes, name: str = "control.png") -> str:
    response = api.client.post("/v1/uploads", files={"file": (name, data)})
    assert response.status_code == 201, response.text
    ref: str = response.json()["ref"]
    return ref


def finished_images(api: Api, body: dict[str, Any]) -> list[tuple[np.ndarray, dict[str, str], dict[str, Any]]]:
    """Each item's image (RGB int16), infotext and recipe item, in item order."""
    with api.run_worker():
        job = api.submit(**body)
        final = api.wait_final(job["id"], timeout=240)
    assert final["state"] == "completed", final
    artifacts = api.client.get(f"/v1/jobs/{job['id']}/artifacts").json()["data"]
    results = []
    for artifact in sorted(artifacts, key=lambda a: a["index"]):
        data = api.client.get(f"/v1/artifacts/{artifact['id']}").content
        path = api.settings.data_dir / f"a{artifact['index']}.png"
        path.write_bytes(data)
        metadata = read_metadata(path)
        assert metadata.recipe is not None
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
        results.append((pixels, parse_infotext(metadata.infotext or ""), metadata.recipe["item"]))
    return results


def test_lora_items_over_the_api_share_a_call_and_match_a_local_run(make_api: ApiFactory, engine: Engine) -> None:
    api = make_api(worker="real")
    lora = {"name": "tiny-sd-lora", "weight": 0.8}
    items = [
        {"prompt": "a lighthouse", "seed": 3, "loras": [lora]},
        {"prompt": "a lighthouse <lora:tiny-sd-lora:0.8>", "seed": 3},
        {"prompt": "a lighthouse", "seed": 3},
    ]
    with_field, with_tag, plain = finished_images(api, {"items": items, "defaults": SMALL})
    assert np.abs(with_field[0] - with_tag[0]).max() <= 1
    assert np.abs(with_field[0] - plain[0]).max() > 2
    assert with_tag[2]["prompt"] == "a lighthouse"
    assert with_field[1]["Lora hashes"].startswith("tiny-sd-lora: ") and len(with_field[1]["Model hash"]) == 10
    assert "Lora hashes" not in plain[1] and plain[1]["Model hash"] == with_field[1]["Model hash"]
    from kiln.types import ImageItem

    [local] = engine.run([ImageItem.from_dict(with_field[2])])  # the recipe, made again in this process
    assert np.abs(np.asarray(local.image, dtype=np.int16) - with_field[0]).max() <= 1


def test_a_controlnet_item_over_the_api_reads_its_uploaded_image(make_api: ApiFactory) -> None:
    api = make_api(worker="real")
    ref = upload(api, shapes_png())
    items = [
        {"prompt": "a lighthouse", "seed": 4, "control": {"type": "canny", "image": ref}},
        {"prompt": "a lighthouse", "seed": 4, "control": {"type": "canny", "image": ref, "scale": 0}},
        {"prompt": "a lighthouse", "seed": 4},
    ]
    guided, zero, plain = finished_images(api, {"items": items, "defaults": SMALL})
    assert np.abs(zero[0] - plain[0]).max() <= 1
    assert np.abs(guided[0] - plain[0]).max() > 2
    assert guided[1]["ControlNet 0"] == "Module: canny, Model: tiny-controlnet, Weight: 1"
    assert guided[2]["control"]["image"].startswith("storage:uploads/")


def test_get_loras_lists_builtins_and_the_folder_by_name(make_api: ApiFactory) -> None:
    api = make_api()
    folder = api.settings.resolved_lora_dir() / "styles"
    folder.mkdir(parents=True)
    (folder / "ink.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    answer = api.client.get("/v1/loras")
    assert answer.status_code == 200
    body = answer.json()
    assert [(e["name"], e["source"]) for e in body["data"]] == [
        ("tiny-sd-lora", "builtin"),
        ("tiny-flux-lora", "builtin"),
        ("styles/ink", "folder"),
    ]
    assert str(api.settings.data_dir) not in answer.text
    assert {"family": "tiny-sd", "types": ["canny", "depth", "pose"], "computed": ["canny"]} in body["control"]


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"loras": [{"name": "nope"}]}, "items.0.loras.0.name"),
        ({"loras": [{"path": "/etc/hosts.safetensors"}]}, "items.0.loras.0.path"),
        ({"loras": [{"path": "../../x.safetensors"}]}, "items.0.loras.0.path"),
        ({"loras": [{"name": "tiny-sd-lora", "weight": 12}]}, "items.0.loras.0.weight"),
        ({"prompt": "a boat <lora:tiny-sd-lora:12>"}, "items.0.prompt"),
        ({"control": {"type": "canny", "image": "upload:01ARZ3NDEKTSV4RRFFQ69G5FAV"}}, "items.0.control.image"),
        ({"control": {"type": "canny", "image": "/etc/passwd"}}, "items.0.control.image"),
        ({"control": {"type": "canny", "image": "BOMB"}}, "items.0.control.image"),
        ({"control": {"type": "sketch", "image": "UPLOAD"}}, "items.0.control.type"),
        ({"model": "tiny-flux", "control": {"type": "canny", "image": "UPLOAD"}}, "items.0.control.type"),
        ({"control": {"type": "canny", "image": "UPLOAD", "scale": 5}}, "items.0.control.scale"),
    ],
)
def test_bad_adapters_are_refused_with_a_4xx_naming_the_field(
    make_api: ApiFactory, item: dict[str, Any], field: str
) -> None:
    api = make_api()
    refs = {"UPLOAD": upload(api, shapes_png()), "BOMB": upload(api, shapes_png(), "bomb.png")}
    if "control" in item and item["control"]["image"] == "BOMB":  # an upload whose file grew into a bomb
        [path] = api.folder.path("uploads").rglob(f"{refs['BOMB'].removeprefix('upload:')}.*")
        path.write_bytes(bomb_png())
    if "control" in item:
        item = {
            **item,
            "control": {**item["control"], "image": refs.get(item["control"]["image"], item["control"]["image"])},
        }
    response = api.client.post("/v1/jobs", json={"items": [{"prompt": "a boat", **SMALL, **item}]})
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert str(api.settings.data_dir) not in error["message"]


def test_a_lora_missing_from_the_workers_folder_fails_the_item_saying_so(make_api: ApiFactory, engine: Engine) -> None:
    api = make_api(worker="real")
    folder = api.settings.resolved_lora_dir() / "only-on-the-api"
    folder.mkdir(parents=True)
    (folder / "ink.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    assert not (engine.loras.folder / "only-on-the-api").exists()  # the worker's engine has its own folder
    with api.run_worker():
        job = api.submit(items=[{"prompt": "a boat", **SMALL, "loras": [{"name": "only-on-the-api/ink"}]}])
        final = api.wait_final(job["id"], timeout=120)
    assert final["state"] == "failed"
    [item] = api.client.get(f"/v1/jobs/{job['id']}/items").json()["data"]
    assert "only-on-the-api/ink" in item["error"] and "KILN_LORA_DIR" in item["error"]
    assert str(engine.loras.folder) not in item["error"]


LONG = "x" * 5000  # longer than a path may be: the file system answers ENAMETOOLONG, not "no such file"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"loras": [{"name": LONG}]}, "items.0.loras.0.name"),
        ({"loras": [{"path": LONG}]}, "items.0.loras.0.path"),
        ({"prompt": f"a boat <lora:{LONG}:1>"}, "items.0.prompt"),
        ({"prompt": f"a boat __{LONG}__"}, "items.0.prompt"),
    ],
)
def test_names_too_long_for_a_path_are_a_422_naming_the_field(
    make_api: ApiFactory, item: dict[str, Any], field: str
) -> None:
    """A LoRA or wildcard name longer than the file system allows is unknown (422), not a 500; the message does
    not echo the whole name."""
    api = make_api()
    api.settings.resolved_lora_dir().mkdir(parents=True, exist_ok=True)
    response = api.client.post("/v1/jobs", json={"items": [{"prompt": "a boat", **SMALL, **item}]})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and len(error["message"]) < 1000, error


def test_get_loras_skips_a_file_whose_name_is_not_utf8(make_api: ApiFactory) -> None:
    """A LoRA file named in another encoding (unzipped from an old archive, say) cannot be named in JSON; the list
    leaves it out instead of answering 500 for every file."""
    api = make_api()
    folder = api.settings.resolved_lora_dir()
    folder.mkdir(parents=True)
    (folder / "ink.safetensors").write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    try:
        with open(os.path.join(os.fsencode(folder), b"caf\xe9.safetensors"), "wb") as file:
            file.write(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    answer = api.client.get("/v1/loras")
    assert answer.status_code == 200, answer.text
    assert [e["name"] for e in answer.json()["data"] if e["source"] == "folder"] == ["ink"]
