"""`kiln reproduce IMAGE`: make an image again from the recipe embedded in it, and compare."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from PIL import Image
from rich.console import Console

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.media.images import read_metadata
from kiln.types import ImageItem

__all__ = ["reproduce_command"]

console = Console()


def reproduce_command(
    image: Annotated[Path, typer.Argument(help="An image made by kiln")],
    out: Annotated[Path | None, typer.Option(help="Where to write the copy (default: beside the image)")] = None,
    tolerance: Annotated[int, typer.Option(help="Largest per-pixel difference (0-255) that counts as equal")] = 2,
) -> None:
    """Regenerate an image from its own metadata; exits 1 if the copy differs by more than the tolerance."""
    from kiln.engine.executor import Engine
    from kiln.worker.artifacts import encode_generated

    if not image.is_file():
        raise InvalidInput("image", f"{image} does not exist")
    recipe = read_metadata(image).recipe
    if recipe is None or "item" not in recipe:
        raise InvalidInput("image", f"{image} carries no kiln recipe (was it made by kiln, and not re-saved?)")
    item = ImageItem.from_dict(recipe["item"])
    [generated] = Engine(Settings()).run([item])
    target = out or image.with_name(f"{image.stem}.reproduced{image.suffix}")
    target.write_bytes(encode_generated(generated))
    original = np.asarray(Image.open(image).convert("RGB"), dtype=np.int16)
    copy = np.asarray(Image.open(target).convert("RGB"), dtype=np.int16)
    if original.shape != copy.shape:
        console.print(f"[red]different size[/red]: {original.shape} vs {copy.shape}")
        raise typer.Exit(1)
    worst = int(np.abs(original - copy).max())
    verdict = "[green]same image[/green]" if worst <= tolerance else "[red]differs[/red]"
    console.print(f"{verdict}: largest pixel difference {worst} (tolerance {tolerance}); wrote {target}")
    if worst > tolerance:
        raise typer.Exit(1)
