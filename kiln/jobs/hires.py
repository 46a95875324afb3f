"""Planning rules of the hires fix (A1111's): a txt2img item made at its size, upscaled by `scale` (Lanczos, or an
upscaler by name), then repainted by img2img at `strength` at the larger size, in the same batch.

- txt2img only: an init image, a mask or an outpaint already start from a picture.
- the final size (each side times `scale`, rounded to the family's multiple) within the family's largest side.
- the second pass must run at least one step (`steps * strength >= 1`).
- an upscaler is a built-in or a file of the upscalers folder (a path too, for local runs).
"""

from __future__ import annotations

from kiln.config import Settings
from kiln.engine.families import Family
from kiln.engine.hires import hires_size
from kiln.engine.upscaler_names import resolve_upscaler
from kiln.errors import InvalidInput
from kiln.jobs.spec import HiresFix

__all__ = ["plan_hires"]


def plan_hires(
    hires: HiresFix, *, kind: str, width: int, height: int, steps: int, family: Family, settings: Settings, local: bool
) -> None:
    """Check a hires fix against its item; `InvalidInput` naming `hires` (or `hires.upscaler`)."""
    if kind != "txt2img":
        raise InvalidInput("hires", "the hires fix is for txt2img; remove hires or the init image")
    final = hires_size(width, height, hires.scale, family.size_multiple)
    if max(final) > family.max_side:
        raise InvalidInput(
            "hires",
            f"{width}x{height} at {hires.scale:g}x is {final[0]}x{final[1]}, over {family.name}'s largest side of "
            f"{family.max_side}; lower the scale",
        )
    if steps * hires.strength < 1:
        raise InvalidInput("hires", f"strength {hires.strength:g} of {steps} steps is less than one step; raise it")
    if hires.upscaler is not None:
        try:
            resolve_upscaler(hires.upscaler, folder=settings.resolved_upscalers_dir(), local=local)
        except InvalidInput as exc:
            raise InvalidInput("hires.upscaler", exc.message) from exc
