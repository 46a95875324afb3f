"""Upscaling: the built-in tiny ESRGAN loaded through spandrel from its safetensors file, tiled and untiled results,
`.pth` files, `kiln upscale` and its errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from kiln.engine.upscalers import Upscaler, load_upscaler, tiles_of, upscale_image
from kiln.errors import InvalidInput
from tests.test_cli import ENV, KILN
from tests.test_img2img import picture


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Upscaler:
    builtin = tmp_path_factory.mktemp("builtin")
    upscaler = load_upscaler("tiny-esrgan", folder=builtin / "none", builtin_dir=builtin)
    assert (builtin / "tiny-esrgan.safetensors").is_file()  # made once, then read back by spandrel
    return upscaler


def test_tiled_and_untiled_agree_away_from_the_seams(tiny: Upscaler) -> None:
    image = picture(3, size=48)
    whole = np.asarray(upscale_image(tiny, image, tile=0), dtype=int)
    tiled = np.asarray(upscale_image(tiny, image, tile=16, overlap=6), dtype=int)
    assert whole.shape == tiled.shape == (192, 192, 3) and tiles_of(48, 48, 16) == 9
    seams = np.zeros((192, 192), dtype=bool)
    for seam in (64, 128):  # the tile borders, in output pixels, and 8 pixels either side
        seams[seam - 8 : seam + 8, :] = True
        seams[:, seam - 8 : seam + 8] = True
    away = np.abs(whole - tiled).max(axis=2)[~seams]
    assert away.max() <= 1
    no_context = np.asarray(upscale_image(tiny, image, tile=16, overlap=0), dtype=int)
    assert np.abs(whole - no_context).max() > 1  # without overlap the seams show: the comparison can fail


def test_a_scale_other_than_the_models_resizes_its_result(tiny: Upscaler) -> None:
    assert tiny.scale == 4
    assert upscale_image(tiny, picture(1, size=20), scale=2.5, tile=0).size == (50, 50)


def test_a_pth_file_loads_like_the_safetensors_one(tiny: Upscaler, tmp_path: Path) -> None:
    state = {key: value.clone() for key, value in tiny.descriptor.model.state_dict().items()}
    torch.save(state, tmp_path / "mine.pth")
    from_pth = load_upscaler("mine.pth", folder=tmp_path, builtin_dir=tmp_path, local=False)
    image = picture(2, size=16)
    assert np.array_equal(np.asarray(upscale_image(from_pth, image)), np.asarray(upscale_image(tiny, image)))


def test_unknown_and_unreadable_upscalers_name_the_field(tmp_path: Path) -> None:
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    for name, words in [("nope", "unknown upscaler"), ("junk.safetensors", "spandrel"), ("/etc/x.pth", "unknown")]:
        with pytest.raises(InvalidInput) as caught:
            load_upscaler(name, folder=tmp_path, builtin_dir=tmp_path, local=False)
        assert caught.value.field == "upscaler" and words in caught.value.message


def kiln(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KILN, *args], cwd=cwd, env={**ENV, **env}, capture_output=True, text=True, timeout=300)


def test_kiln_upscale_makes_four_times_the_size_and_refuses_bad_input(tmp_path: Path) -> None:
    picture(5, size=24).save(tmp_path / "in.png")
    env = {"KILN_DATA_DIR": str(tmp_path / "data")}
    done = kiln("upscale", "in.png", "--model", "tiny-esrgan", "--scale", "4", "--tile", "16", "--out", "big",
                cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "big" / "in_x4.png").size == (96, 96)
    missing = kiln("upscale", "gone.png", "--model", "tiny-esrgan", cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "image" in missing.stderr and "does not exist" in missing.stderr
    unknown = kiln("upscale", "in.png", "--model", "nope.pth", cwd=tmp_path, env=env)
    assert unknown.returncode == 2 and "model" in unknown.stderr and "nope.pth" in unknown.stderr
    huge = kiln("upscale", "in.png", "--model", "tiny-esrgan", cwd=tmp_path,
                env={**env, "KILN_MAX_OUTPUT_PIXELS": "5000"})  # fmt: skip
    assert huge.returncode == 2 and "KILN_MAX_OUTPUT_PIXELS" in huge.stderr


def test_the_sd_x4_upscaler_makes_four_times_the_size(tmp_path: Path) -> None:
    upscaler = load_upscaler("tiny-sd-x4", folder=tmp_path, builtin_dir=tmp_path, local=False)
    assert upscaler.diffusion and upscaler.scale == 4
    image = picture(4, size=16)
    result = upscale_image(upscaler, image, steps=2, prompt="a harbour")
    again = upscale_image(upscaler, image, steps=2, prompt="a harbour")
    assert result.size == (64, 64)
    assert np.array_equal(np.asarray(result), np.asarray(again))  # seeded: the same image twice


SHM = Path("/dev/shm")


@pytest.mark.skipif(not SHM.is_dir(), reason="needs a tmpfs at /dev/shm for a temporary folder on another device")
def test_kiln_upscale_writes_across_file_systems_and_names_an_unusable_out(tmp_path: Path) -> None:
    """With `TMPDIR` on another file system than `--out` (a tmpfs /tmp, as on many distributions) the result is
    still written; an `--out` that cannot be a folder is exit 2 naming `out`, not a traceback."""
    if SHM.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("/dev/shm is on the test folder's file system here")
    picture(5, size=24).save(tmp_path / "in.png")
    env = {"KILN_DATA_DIR": str(tmp_path / "data"), "TMPDIR": str(SHM)}
    done = kiln("upscale", "in.png", "--model", "tiny-esrgan", "--tile", "16", "--out", "big", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "big" / "in_x4.png").size == (96, 96)
    assert [p.name for p in (tmp_path / "big").iterdir()] == ["in_x4.png"]  # no work folder left behind
    (tmp_path / "a-file").write_text("not a folder")
    blocked = kiln("upscale", "in.png", "--model", "tiny-esrgan", "--out", "a-file/big", cwd=tmp_path, env=env)
    assert blocked.returncode == 2 and "out" in blocked.stderr and "Traceback" not in blocked.stderr, blocked.stderr


def test_diffusers_imports_after_an_upscaler_loaded_first(tmp_path: Path) -> None:
    """A worker whose first item is an ESRGAN upscale (a fresh worker, say one restarted after a crash) loads
    spandrel before diffusers; diffusers must still import then, or every later image item on that worker fails
    (`torchvision.__spec__ is None` when torchvision is not installed and kiln's stand-in was left in place)."""
    script = (
        "from pathlib import Path\n"
        "from kiln.engine.upscalers import load_upscaler\n"
        f"load_upscaler('tiny-esrgan', folder=Path({str(tmp_path / 'none')!r}), builtin_dir=Path({str(tmp_path)!r}))\n"
        "import diffusers\n"
        "from diffusers import StableDiffusionPipeline\n"
        "print('diffusers', diffusers.__version__, StableDiffusionPipeline.__name__)\n"
    )
    done = subprocess.run([KILN[0], "-c", script], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "StableDiffusionPipeline" in done.stdout, done.stderr[-2000:]
