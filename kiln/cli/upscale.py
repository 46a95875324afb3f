"""`kiln upscale`: images made larger with an ESRGAN-family upscaler (the task runner of `kind: upscale` jobs)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from kiln.errors import InvalidInput
from kiln.motion.task import NullControl
from kiln.motion.upscale_request import UpscaleRequest
from kiln.types import OutputFormat

__all__ = ["upscale_command"]

console = Console()


def upscale_command(
    images: Annotated[list[Path], typer.Argument(help="Image files to upscale")],
    model: Annotated[
        str, typer.Option("--model", help="tiny-esrgan, a file name in KILN_UPSCALERS_DIR, or a .pth/.safetensors")
    ],
    scale: Annotated[float | None, typer.Option(help="Final size as a multiple (default: the model's own)")] = None,
    tile: Annotated[int, typer.Option(help="Tile side in input pixels (0: the whole image at once)")] = 512,
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("outputs/upscaled"),
    steps: Annotated[int, typer.Option(help="Denoising steps of the SD x4 upscaler")] = 20,
    prompt: Annotated[str, typer.Option(help="What the image shows (guides the SD x4 upscaler)")] = "",
    fmt: Annotated[OutputFormat, typer.Option("--format", help="png, webp, jpeg or avif")] = "png",
) -> None:
    """Upscale each image into --out as <name>_x<scale>.<format>."""
    from kiln.motion.upscale_task import run_upscale

    for image in images:
        try:
            request = UpscaleRequest(
                image=str(image.expanduser().resolve()),
                upscaler=model,
                scale=scale,
                tile=tile,
                format=fmt,
                steps=steps,
                prompt=prompt,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            raise InvalidInput({"upscaler": "model"}.get(field, field), error["msg"]) from None
        _make_out(out)
        # the work folder lies inside --out, so the result is renamed there on one file system (a tmpfs $TMPDIR
        # would make the rename fail) and a stopped run leaves no half-written file under the final name
        with tempfile.TemporaryDirectory(dir=out, prefix=".upscale-") as work:
            try:
                [output] = run_upscale(request, models=_NoModels(), work_dir=Path(work), control=NullControl())
            except InvalidInput as exc:  # the flag is --model
                raise InvalidInput("model" if exc.field == "upscaler" else exc.field, exc.message) from exc
            factor = f"{scale:g}" if scale is not None else f"{(output.width or 0) // _width(image)}"
            target = out / f"{image.stem}_x{factor}.{fmt}"
            output.path.replace(target)
        console.print(f"{image.name} → {target} ({output.width}x{output.height})")


def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(
            "out", f"{out} cannot be made a folder ({exc.strerror}); give a folder you can write"
        ) from exc


def _width(image: Path) -> int:
    from kiln.media.pixels import image_size

    size = image_size(image)
    return size[0] if size else 1


class _NoModels:
    """An upscale loads no diffusion model."""

    def model(self, name: str, family: str | None = None) -> NoReturn:
        raise InvalidInput("model", "an upscale loads no diffusion model")
