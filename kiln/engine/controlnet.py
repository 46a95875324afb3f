"""ControlNet pipelines over a loaded model: the ControlNet of an item's type, loaded once per model, and the
family's ControlNet pipeline built from the loaded modules (`from_pipe`, no weights copied), as img2img is."""

from __future__ import annotations

from typing import Any

from kiln.engine.control_catalog import BUILTIN_CONTROLNETS, CONTROL_PIPELINES
from kiln.errors import InvalidInput

__all__ = ["control_pipe"]


def _load_controlnet(name: str, model: Any) -> Any:
    if name in BUILTIN_CONTROLNETS:
        from kiln.engine.tiny.adapters import build_tiny_controlnet

        controlnet = build_tiny_controlnet(name)
    else:
        from diffusers import ControlNetModel

        from kiln.errors import ModelLoadError

        try:
            controlnet = ControlNetModel.from_pretrained(name, torch_dtype=model.plan.dtype)
        except (OSError, ValueError) as exc:
            message = f"the ControlNet {name!r} could not be loaded ({exc}); check it is downloaded or reachable"
            raise ModelLoadError(message) from exc
    return controlnet.to(device=model.plan.device, dtype=model.plan.dtype)


def control_pipe(model: Any, controlnet: str) -> Any:
    """The ControlNet pipeline of `model` (a `LoadedModel`) with the named ControlNet, made once per name, with the
    scheduler `use_scheduler` last chose."""
    key = f"control:{controlnet}"
    if key not in model.adapters:
        class_name = CONTROL_PIPELINES.get(type(model.pipe).__name__)
        if class_name is None:
            raise InvalidInput("control.type", f"{model.info.family.name} models have no ControlNet pipeline")
        import diffusers

        pipe = getattr(diffusers, class_name).from_pipe(model.pipe, controlnet=_load_controlnet(controlnet, model))
        pipe.set_progress_bar_config(disable=True)
        model.adapters[key] = pipe
    pipe = model.adapters[key]
    pipe.scheduler = model.pipe.scheduler
    return pipe
