"""Variations over the API: `{a|b}` and `__name__` prompts, and grid jobs (X/Y/Z plots) made by the real worker on
the tiny engine, served over real HTTP (uvicorn on a free port) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image

from kiln.jobs.grid import GridSpec, grid_labels
from kiln.media.grid_image import grid_layout
from kiln.media.images import read_metadata
from tests.api.conftest import SMALL, ApiFactory
from tests.conditions import wait_until


@contextmanager
def served(app: FastAPI) -> Iterator[httpx.Client]:
    """`app` behind uvicorn on a free port, and a client of it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=20, what="uvicorn to start")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


def _final(client: httpx.Client, job_id: str, *, grid: bool = False) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] not in ("completed", "failed", "canceled"):
            return None
        return job if not grid or job["grid"]["artifact_id"] else None

    return wait_until(done, timeout=120, interval=0.05, what=f"job {job_id} (and its grid) to finish")


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_grid_of_3_seeds_by_2_styles_makes_6_images_and_a_labelled_grid(make_api: ApiFactory, store: str) -> None:
    api = make_api(store=store, worker="real")
    grid = {"axes": [{"field": "seed", "values": [1, 2, 3]}, {"field": "style", "values": ["cinematic", "anime"]}]}
    body = {"items": [{"prompt": "a lighthouse", **SMALL}], "grid": grid}
    with served(api.app) as client, api.run_worker():
        created = client.post("/v1/jobs", json=body)
        assert created.status_code == 202, created.text
        assert created.json()["total"] == 6
        job = _final(client, created.json()["id"], grid=True)
        artifacts = client.get(f"/v1/jobs/{job['id']}/artifacts").json()["data"]
        grid_file = client.get(f"/v1/artifacts/{job['grid']['artifact_id']}")
        items = client.get(f"/v1/jobs/{job['id']}/items").json()["data"]
        listed = client.get("/v1/artifacts", params={"job": job["id"]})
        gallery = listed.json()["data"]

    assert job["state"] == "completed" and job["counts"]["done"] == 6
    assert job["grid"]["artifact_id"] in [a["id"] for a in gallery] and len(gallery) == 7  # the grid is in the gallery
    assert job["grid"]["axes"] == grid["axes"]
    # x fastest: seeds 1, 2, 3 with the first style, then with the second
    assert [(i["item"]["seed"], i["item"]["style"]) for i in items] == [
        (seed, style) for style in ("Cinematic", "Anime") for seed in (1, 2, 3)
    ]
    [grid_artifact] = [a for a in artifacts if a["item_id"] is None]
    assert grid_artifact["id"] == job["grid"]["artifact_id"] and grid_artifact["index"] == 6
    assert len(artifacts) == 7
    assert grid_file.status_code == 200 and grid_file.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(grid_file.content))
    layout = grid_layout((64, 64), grid_labels(GridSpec.model_validate(grid)))
    cell_w, cell_h = layout.cell
    assert cell_w >= 128 and cell_h >= 128  # 64-pixel images scaled up so the labels are legible
    assert (
        image.size
        == (layout.left + 3 * cell_w, layout.top + 2 * cell_h)
        == (grid_artifact["width"], grid_artifact["height"])
    )
    assert layout.left > 0 and layout.top > 0  # room for the labels
    # the first cell holds item 0's image (scaled), the label band above it is white with dark text
    first = image.crop((layout.left, layout.top, layout.left + cell_w, layout.top + cell_h))
    assert first.getextrema() != ((255, 255), (255, 255), (255, 255))
    darkest, lightest = image.crop((layout.left, 0, layout.left + cell_w, layout.top)).convert("L").getextrema()
    assert darkest < 100 and lightest == 255  # type: ignore[operator]  # one band: ints


def test_a_grid_value_that_its_field_refuses_is_a_422_naming_it(make_api: ApiFactory) -> None:
    api = make_api()
    base = {"items": [{"prompt": "a lighthouse", **SMALL}]}
    cases = [
        ({"axes": [{"field": "style", "values": ["anime", "no-such-style"]}]}, "grid.axes[0].values[1]"),
        ({"axes": [{"field": "seed", "values": [1]}, {"field": "sampler", "values": ["euler", "warp"]}]},
         "grid.axes[1].values[1]"),
        ({"axes": [{"field": "model", "values": ["/etc/passwd"]}]}, "grid.axes[0].values[0]"),
        ({"axes": [{"field": "steps", "values": [2, 0]}]}, "grid.axes[0].values[1]"),
        ({"axes": [{"field": "guidance", "values": ["loud"]}]}, "grid.axes[0].values[0]"),
        ({"axes": [{"field": "prompt", "values": ["harbour", "beach"]}]}, "grid.axes[0].values[0]"),
        ({"axes": [{"field": "seed", "values": [1, 2]}] * 4}, "grid.axes"),
    ]  # fmt: skip
    for grid, field in cases:
        response = api.client.post("/v1/jobs", json=base | {"grid": grid})
        assert response.status_code == 422, (grid, response.text)
        assert response.json()["error"]["field"] == field, response.json()
    several = api.client.post(
        "/v1/jobs", json={"prompts": ["a", "b"], "grid": {"axes": [{"field": "seed", "values": [1]}]}}
    )
    assert several.status_code == 422 and several.json()["error"]["field"] == "grid"
    assert "one item" in several.json()["error"]["message"]
    assert api.store.list_jobs() == []


def test_a_grid_over_the_item_limit_is_refused_before_planning(make_api: ApiFactory) -> None:
    api = make_api(max_items=10)
    grid = {"axes": [{"field": "seed", "values": list(range(5))}, {"field": "steps", "values": [1, 2, 3]}]}
    response = api.client.post("/v1/jobs", json={"prompts": ["a"], "grid": grid})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "grid" and "15 cells" in response.json()["error"]["message"]


def test_a_prompt_axis_replaces_its_first_value_in_each_cell(make_api: ApiFactory) -> None:
    api = make_api()
    grid = {"axes": [{"field": "prompt", "values": ["red", "blue", "green"]}]}
    job = api.submit(items=[{"prompt": "a red car by a red door", "seed": 5, **SMALL}], grid=grid)
    items = api.client.get(f"/v1/jobs/{job['id']}/items").json()["data"]
    assert [i["item"]["prompt"] for i in items] == [
        "a red car by a red door", "a blue car by a blue door", "a green car by a green door",
    ]  # fmt: skip
    assert {i["item"]["seed"] for i in items} == {5}  # every cell shares the base seed


def test_variations_are_expanded_per_item_and_recorded_in_each_recipe(make_api: ApiFactory) -> None:
    api = make_api(worker="real")
    folder = api.settings.resolved_wildcards_dir()
    (folder / "places").mkdir(parents=True)
    (folder / "places" / "coast.txt").write_text("# coasts\nharbour\n\ncliff\n")
    with api.run_worker():
        job = api.submit(prompts=["a {red|blue} boat at a __places/coast__"], defaults=SMALL, n=4, start_seed=10)
        final = api.wait_final(job["id"], timeout=120)
    assert final["state"] == "completed"
    artifacts = api.client.get(f"/v1/jobs/{job['id']}/artifacts").json()["data"]
    prompts = []
    for artifact in artifacts:
        recipe_item = artifact["metadata"]["item"]
        assert recipe_item["prompt_template"] == "a {red|blue} boat at a __places/coast__"
        assert "{" not in recipe_item["prompt"] and "__" not in recipe_item["prompt"]
        data = api.client.get(f"/v1/artifacts/{artifact['id']}").content
        metadata = read_metadata(data)
        assert metadata.infotext is not None and metadata.infotext.startswith(recipe_item["prompt"])
        assert json.loads(json.dumps(metadata.recipe))["item"]["prompt_template"] == recipe_item["prompt_template"]
        prompts.append(recipe_item["prompt"])
    assert all(p.split(" at a ")[1] in ("harbour", "cliff") for p in prompts)
    assert len(set(prompts)) > 1  # seeds 10..13 do not all pick alike


def test_wildcard_errors_name_the_wildcard_and_the_setting_not_the_server_path(make_api: ApiFactory) -> None:
    api = make_api()
    secret = api.settings.data_dir / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("do not read me\n")
    for prompt in ["a __missing__", "a __../secret__", "a __../../etc/passwd__", "a __/etc/passwd__", "a {b"]:
        response = api.client.post("/v1/jobs", json={"items": [{"prompt": prompt}]})
        assert response.status_code == 422, (prompt, response.text)
        error = response.json()["error"]
        assert error["field"] == "items.0.prompt"
        assert str(api.settings.data_dir) not in error["message"]
    missing = api.client.post("/v1/jobs", json={"items": [{"prompt": "a __missing__"}]}).json()["error"]
    assert "__missing__" in missing["message"] and "KILN_WILDCARDS_DIR" in missing["message"]
    negative = api.client.post("/v1/jobs", json={"prompts": ["a"], "defaults": {"negative_prompt": "x}"}})
    assert negative.json()["error"]["field"] == "defaults.negative_prompt"


def test_a_worker_makes_a_grid_whose_maker_died(make_api: ApiFactory) -> None:
    """A grid job completed by workers that make no grid (the fake one), whose grid a maker claimed and then died
    with: once the claim's lease runs out, the next worker draws it, once."""
    api = make_api(worker="real", lease_seconds=0.5)
    grid = {"axes": [{"field": "seed", "values": [1, 2]}, {"field": "steps", "values": [1, 2]}]}
    job = api.submit(items=[{"prompt": "a boat", **SMALL}], grid=grid)
    with api.worker:
        final = api.wait_final(job["id"])
    assert final["state"] == "completed" and final["grid"] == {"axes": grid["axes"], "artifact_id": None}
    dead_maker = api.store.claim_grid(lease_seconds=0.5, job_id=job["id"])
    assert dead_maker is not None and api.store.claim_grid(lease_seconds=0.5) is None  # one maker at a time
    with api.run_worker():
        made = wait_until(lambda: api.job(job["id"])["grid"]["artifact_id"], timeout=60, what="the owed grid")
    grids = [a for a in api.store.list_artifacts(job["id"]) if a.item_id is None]
    assert [a.id for a in grids] == [made]
    assert api.store.claim_grid(lease_seconds=0.5) is None  # made: nothing owed
    image = Image.open(api.folder.path(grids[0].storage_key))
    assert (image.width, image.height) == (grids[0].width, grids[0].height)
    # deleting the job deletes its grid image too
    assert api.client.delete(f"/v1/jobs/{job['id']}").status_code == 204
    assert not api.folder.path(grids[0].storage_key).exists()
