"""Quality presets: fast, balanced, high and ultra, as steps of a model family.

Standard families take 25, 44, 64 and 84 steps; few-step distilled families map the names to their own
few steps (see `Family.quality_steps`). Explicit steps win over a preset, and a preset over the default.
"""

from __future__ import annotations

from kiln.engine.families import QUALITY_NAMES, Family
from kiln.errors import InvalidInput

__all__ = ["QUALITY_NAMES", "resolve_steps", "steps_for_quality"]


def steps_for_quality(family: Family, quality: str) -> int:
    """The steps `family` takes at a quality preset; an unknown name is refused with the choices."""
    name = quality.strip().lower()
    if name not in family.quality_steps:
        choices = ", ".join(QUALITY_NAMES)
        raise InvalidInput("quality", f"unknown quality {quality!r}; choose one of: {choices}")
    return family.steps_for_quality(name)


def resolve_steps(family: Family, steps: int | None, quality: str | None) -> int:
    """Explicit steps, else the quality preset's, else the family default; checked against the limit."""
    if steps is None:
        steps = steps_for_quality(family, quality) if quality is not None else family.default_steps
    if not 1 <= steps <= family.max_steps:
        limit = f"between 1 and {family.max_steps} for {family.name}"
        raise InvalidInput("steps", f"{steps} steps is out of range; use a value {limit}")
    return steps
