"""`kiln generate` with variations: `{a|b}` and `--wildcards`, reproduced by a resumed run, and `--grid` writing a
labelled grid.png (real processes, the tiny model)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from kiln.jobs.grid import GridSpec, grid_labels
from kiln.media.grid_image import grid_layout
from kiln.media.images import read_metadata
from tests.test_cli import kiln, manifest

SMALL = ["--width", "32", "--height", "32", "--steps", "2"]


def test_wildcards_and_alternatives_expand_per_seed_and_a_rerun_keeps_them(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    (cards / "sea").mkdir(parents=True)
    (cards / "sea" / "boats.txt").write_text("# boats\nketch\nyawl\n\nschooner\nsloop\n")
    args = [
        "generate", "a {red|green|blue} __sea/boats__", "--n", "6", "--seed", "100", "--wildcards", str(cards),
        "--prefix", "v", "--out", "out", *SMALL,
    ]  # fmt: skip
    first = kiln(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "out" / "v"
    plan = json.loads((folder / "plan.json").read_text())
    prompts = [item["user_prompt"] for item in plan["items"]]
    assert all(p.split()[1] in ("red", "green", "blue") for p in prompts)
    assert all(p.split()[2] in ("ketch", "yawl", "schooner", "sloop") for p in prompts)
    assert len(set(prompts)) > 1
    assert {item["prompt_template"] for item in plan["items"]} == {"a {red|green|blue} __sea/boats__"}
    image = folder / f"00002_{plan['items'][2]['seed']}.png"
    metadata = read_metadata(image)
    assert metadata.infotext is not None and metadata.infotext.startswith(prompts[2])
    assert (
        metadata.recipe is not None
        and metadata.recipe["item"]["prompt_template"] == plan["items"][2]["prompt_template"]
    )
    assert [e["prompt"] for e in manifest(folder)] == prompts

    # the wildcard file changes and the last image is lost (a run stopped before it): the resumed run makes it
    # with its plan's expansion
    (cards / "sea" / "boats.txt").write_text("dinghy\n")
    (folder / "00005_105.png").unlink()
    lines = (folder / "manifest.jsonl").read_text().splitlines()
    (folder / "manifest.jsonl").write_text("".join(line + "\n" for line in lines if json.loads(line)["index"] != 5))
    again = kiln(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads((folder / "plan.json").read_text())["items"] == plan["items"]
    assert read_metadata(folder / "00005_105.png").infotext.startswith(prompts[5])  # type: ignore[union-attr]


def test_variation_errors_name_the_field_and_the_problem(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    (tmp_path / "secret.txt").write_text("nope\n")
    cases = [
        (["a {red|blue"], '"{" at character 3 is never closed'),
        (["a red}"], "closes no"),
        (["a __gone__", "--wildcards", str(cards)], "unknown wildcard __gone__"),
        (["a __../secret__", "--wildcards", str(cards)], "not a wildcard name"),
    ]
    for args, message in cases:
        result = kiln("generate", *args, "--out", "out", *SMALL, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "prompt" in result.stderr and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_grid_writes_one_image_per_cell_and_a_labelled_grid(tmp_path: Path) -> None:
    result = kiln(
        "generate", "a lighthouse", "--grid", "seed=1,2,3", "--grid", "style=cinematic,anime", "--prefix", "g",
        "--out", "out", *SMALL, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "g"
    entries = manifest(folder)
    assert [(e["seed"], e["style"]) for e in entries] == [(s, st) for st in ("Cinematic", "Anime") for s in (1, 2, 3)]
    grid = GridSpec.model_validate(
        {"axes": [{"field": "seed", "values": [1, 2, 3]}, {"field": "style", "values": ["cinematic", "anime"]}]}
    )
    layout = grid_layout((32, 32), grid_labels(grid))
    with Image.open(folder / "grid.png") as image:
        assert image.size == (layout.left + 3 * layout.cell[0], layout.top + 2 * layout.cell[1])
    bad = kiln("generate", "a lighthouse", "--grid", "style=cinematic,nope", "--out", "out", *SMALL, cwd=tmp_path)
    assert bad.returncode == 2 and "grid.axes[0].values[1]" in bad.stderr and "nope" in bad.stderr
