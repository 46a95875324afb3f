"""The `callback_on_step_end` every pipeline call uses: report the step (and, when asked, hand over the step's
latents for previews), then stop between steps when asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiln.errors import Cancelled

__all__ = ["LatentsCallback", "StepCallback", "step_end_callback"]

StepCallback = Callable[[int, int], None]
LatentsCallback = Callable[[int, int, Any], None]  # (step, total, the step's latents tensor)


def step_end_callback(
    total: Callable[[Any], int],
    on_step: StepCallback | None,
    should_cancel: Callable[[], bool] | None,
    on_latents: LatentsCallback | None = None,
) -> Callable[[Any, int, Any, dict[str, Any]], dict[str, Any]]:
    """A diffusers step-end callback: `on_step(step, total(pipe))` and `on_latents(step, total, latents)`, then
    `Cancelled` if `should_cancel()`."""

    def step_end(pipe: Any, step: int, _timestep: Any, callback_kwargs: dict[str, Any]) -> dict[str, Any]:
        steps = total(pipe)
        if on_step is not None:
            on_step(step + 1, steps)
        if on_latents is not None and "latents" in callback_kwargs:
            on_latents(step + 1, steps, callback_kwargs["latents"])
        if should_cancel is not None and should_cancel():
            raise Cancelled(f"canceled after step {step + 1} of {steps}")
        return callback_kwargs

    return step_end
