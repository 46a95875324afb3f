"""The `kiln` command as a user runs it: real processes, real files, a kill -9 in the middle."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from kiln.media.images import read_metadata
from tests.test_infotext import a1111_parse_generation_parameters

KILN = [sys.executable, "-m", "kiln.cli"]
ENV = {**os.environ, "KILN_THREADS": "2", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}


def kiln(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KILN, *args], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)


def manifest(folder: Path) -> list[dict[str, object]]:
    path = folder / "manifest.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_generate_writes_images_with_a1111_infotext_and_a_manifest(tmp_path: Path) -> None:
    result = kiln(
        "generate", "a lighthouse at dusk", "--n", "3", "--style", "cinematic", "--seed", "42", "--aspect", "16:9",
        "--prefix", "demo", "--out", "out", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "demo"
    entries = manifest(folder)
    assert [e["seed"] for e in entries] == [42, 43, 44]
    assert sorted(p.name for p in folder.glob("*.png")) == ["00000_42.png", "00001_43.png", "00002_44.png"]
    params = a1111_parse_generation_parameters(read_metadata(folder / "00001_43.png").infotext or "")
    assert params["Seed"] == "43"
    assert params["Steps"] == "44"
    assert params["Size-1"] == "168" and params["Size-2"] == "96"  # 16:9 at the tiny model's 0.016 MP
    assert "lighthouse at dusk" in params["Prompt"]
    assert params["Negative prompt"]  # the Cinematic style's negative
    assert params["Model"] == "tiny-sd"


def test_reproduce_makes_the_same_image_from_its_metadata(tmp_path: Path) -> None:
    assert (
        kiln(
            "generate",
            "a red kite",
            "--seed",
            "7",
            "--steps",
            "6",
            "--prefix",
            "r",
            "--out",
            "o",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    original = tmp_path / "o" / "r" / "00000_7.png"
    result = kiln("reproduce", str(original), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "same image" in result.stdout
    assert (tmp_path / "o" / "r" / "00000_7.reproduced.png").is_file()


def _scenes(path: Path, count: int) -> None:
    sizes = [(64, 64), (96, 64), (64, 128)]
    steps = [12, 20]
    with path.open("w") as handle:
        for i in range(count):
            width, height = sizes[i % 3]
            row = {
                "prompt": f"scene {i}: a quiet harbour",
                "width": width,
                "height": height,
                "steps": steps[i % 2],
            }
            handle.write(json.dumps(row) + "\n")


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.slow
def test_bulk_run_killed_with_sigkill_resumes_without_regenerating(tmp_path: Path) -> None:
    scenes = tmp_path / "scenes.jsonl"
    _scenes(scenes, 200)
    args = ["generate", "--from", str(scenes), "--out", "out", "--prefix", "bulk", "--micro-batch", "16"]
    folder = tmp_path / "out" / "bulk"
    first = subprocess.Popen([*KILN, *args], cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: len(manifest(folder)) >= 32 or first.poll() is not None, 300, "two finished batches")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert first.returncode == -signal.SIGKILL, "the run ended before it could be killed; make it longer"
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.png")}
    assert 32 <= len(before) < 200

    second = kiln(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"{200 - len(before)} images" in second.stdout

    images = sorted(folder.glob("*.png"))
    entries = manifest(folder)
    assert len(images) == 200
    assert sorted(int(e["index"]) for e in entries) == list(range(200))  # type: ignore[call-overload]
    for name, identity in before.items():
        path = folder / name
        assert (path.stat().st_ino, path.stat().st_mtime_ns) == identity, f"{name} was regenerated"
    # the resumed run made full micro-batches: per signature, every batch but the last has 16 images
    new = [e for e in entries if e["file"] not in before and not e.get("recovered")]
    assert len(new) + sum(1 for e in entries if e.get("recovered")) == 200 - len(before)
    batch_sizes: dict[tuple[object, ...], Counter[object]] = defaultdict(Counter)
    for entry in new:
        batch_sizes[(entry["width"], entry["height"], entry["steps"])][entry["batch"]] += 1
    for signature, sizes in batch_sizes.items():
        count = sum(sizes.values())
        assert len(sizes) == math.ceil(count / 16), f"{signature}: {sorted(sizes.values())}"
        assert sorted(sizes.values())[1:] == [16] * (len(sizes) - 1)
    assert len(batch_sizes) == 6

    third = kiln(*args, cwd=tmp_path)
    assert third.returncode == 0 and "already in" in third.stdout


def test_a_malformed_line_is_named_and_nothing_made_is_lost(tmp_path: Path) -> None:
    scenes = tmp_path / "scenes.jsonl"
    scenes.write_text('{"prompt": "a"}\n{"prompt": "b"}\n{"prompt": "c", "width": 100}\n')
    assert kiln("generate", "a dog", "--prefix", "keep", "--out", "out", "--seed", "1", cwd=tmp_path).returncode == 0
    kept = tmp_path / "out" / "keep" / "00000_1.png"
    stamp = kept.stat().st_mtime_ns
    result = kiln("generate", "--from", str(scenes), "--prefix", "keep", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "scenes.jsonl line 3" in result.stderr and "width" in result.stderr
    assert kept.stat().st_mtime_ns == stamp


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["x", "--style", "vaporwave-9000"], "style"),
        (["x", "--model", "no-such-model"], "model"),
        (["x", "--width", "100", "--height", "64"], "width"),
        (["x", "--steps", "0"], "steps"),
        (["x", "--steps", "151"], "steps"),
        (["   "], "prompt"),
        (["x", "--aspect", "5:4"], "aspect"),
        (["x", "--format", "bmp"], "format"),
    ],
)
def test_bad_input_gets_an_error_naming_the_field(tmp_path: Path, args: list[str], field: str) -> None:
    result = kiln("generate", *args, "--out", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{field}:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_different_request_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    assert kiln("generate", "a cat", "--prefix", "p", "--out", "o", cwd=tmp_path).returncode == 0
    result = kiln("generate", "a dog", "--prefix", "p", "--out", "o", cwd=tmp_path)
    assert result.returncode == 1
    assert "different run" in result.stderr


def test_tokens_names_the_words_past_the_clip_limit(tmp_path: Path) -> None:
    from kiln.engine.tiny.tokenizers import clip_tokenizer

    words = [f"word{i}" for i in range(60)]
    result = kiln("tokens", " ".join(words), "--model", "tiny-sd3", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    encoders = {row["encoder"]: row for row in json.loads(result.stdout)["encoders"]}
    assert set(encoders) == {"clip_l", "clip_g", "t5"}
    clip = encoders["clip_l"]
    assert clip["truncated"] and clip["limit"] == 77
    overflow = clip["overflow_words"]
    kept = words[: len(words) - len(overflow)]
    assert overflow == words[len(kept) :] and overflow[-1] == "word59"
    # checked against the real CLIP tokenizer: the kept words fit in 77 tokens, one more word does not
    tokenizer = clip_tokenizer()
    assert len(tokenizer(" ".join(kept))["input_ids"]) <= 77
    assert len(tokenizer(" ".join(words[: len(kept) + 1]))["input_ids"]) > 77
    assert clip["tokens"] == len(tokenizer(" ".join(words))["input_ids"])
    t5 = encoders["t5"]
    assert t5["limit"] == 256 and t5["truncated"] == (t5["tokens"] > 256)
    assert len(t5["overflow_words"]) < len(overflow)  # T5 reads further than CLIP
    table = kiln("tokens", "a cat", "--model", "tiny-sd", cwd=tmp_path)
    assert "clip_l" in table.stdout and "fits" in table.stdout


def test_models_and_styles_are_listed(tmp_path: Path) -> None:
    models = kiln("models", cwd=tmp_path)
    assert all(name in models.stdout for name in ("tiny-sd", "tiny-sd3", "tiny-flux", "tiny-zimage"))
    assert "black-forest-labs/FLUX.1-schnell" in models.stdout
    styles = kiln("styles", cwd=tmp_path)
    assert all(name in styles.stdout for name in ("Cinematic", "Neon Punk", "Watercolor", "3D Render"))


def _hear_ctrl_c() -> None:
    """In the child, before kiln starts: Ctrl-C as a terminal delivers it. A suite started in the background (`&`
    without job control, as CI runners may) has SIGINT ignored, which children inherit and Python then keeps."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path) -> None:
    scenes = tmp_path / "scenes.jsonl"
    _scenes(scenes, 96)
    args = ["generate", "--from", str(scenes), "--out", "out", "--prefix", "ctrl-c", "--micro-batch", "8"]
    folder = tmp_path / "out" / "ctrl-c"
    run = subprocess.Popen(
        [*KILN, *args], cwd=tmp_path, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_hear_ctrl_c,
    )  # fmt: skip
    _wait_for(lambda: len(manifest(folder)) >= 8 or run.poll() is not None, 300, "a finished batch")
    run.send_signal(signal.SIGINT)
    stdout, _ = run.communicate(timeout=120)
    assert run.returncode == 130, "the run ended before it could be interrupted; make it longer"
    assert "run the same command again" in stdout
    saved = len(list(folder.glob("*.png")))
    # a file written just before the interrupt may still lack its manifest line; the next run recovers it
    assert 8 <= len(manifest(folder)) <= saved < 96


def test_a_rerun_keeps_finished_files_that_lack_their_manifest_line(tmp_path: Path) -> None:
    """The window a kill can land in: a file written, its manifest line not yet (or cut short). The next run keeps
    the file (the same inode, untouched), writes its manifest line, and makes only what has no file."""
    args = ["generate", "a quiet harbour", "--n", "4", "--seed", "5", "--steps", "2", "--prefix", "r", "--out", "o"]
    assert kiln(*args, cwd=tmp_path).returncode == 0
    folder = tmp_path / "o" / "r"
    lines = (folder / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 4
    # items 1 and 3: files without lines (3's line cut short by the crash); item 2: neither file nor line
    (folder / "manifest.jsonl").write_text(f"{lines[0]}\n{lines[3][:25]}")
    (folder / "00002_7.png").unlink()
    kept = {name: (folder / name).stat() for name in ("00001_6.png", "00003_8.png")}

    again = kiln(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 images" in again.stdout  # only the missing one
    entries = {int(e["index"]): e for e in manifest(folder)}  # type: ignore[call-overload]
    assert sorted(entries) == [0, 1, 2, 3]
    assert [bool(entries[i].get("recovered")) for i in range(4)] == [False, True, False, True]
    assert (entries[1]["file"], entries[3]["file"]) == ("00001_6.png", "00003_8.png")
    for name, before in kept.items():
        after = (folder / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), f"{name} was regenerated"
    assert (folder / "00002_7.png").is_file()
