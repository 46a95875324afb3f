"""Scheduler choice: kiln's scheduler names, the diffusers classes behind them and A1111's sampler names."""

from __future__ import annotations

from typing import Any

__all__ = ["sampler_name", "swap_scheduler"]

# name -> (diffusers class, extra config, A1111 sampler name)
_SCHEDULERS: dict[str, tuple[str, dict[str, Any], str]] = {
    "ddim": ("DDIMScheduler", {}, "DDIM"),
    "euler": ("EulerDiscreteScheduler", {}, "Euler"),
    "euler_a": ("EulerAncestralDiscreteScheduler", {}, "Euler a"),
    "dpmpp_2m": ("DPMSolverMultistepScheduler", {}, "DPM++ 2M"),
    "dpmpp_2m_karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}, "DPM++ 2M Karras"),
    "pndm": ("PNDMScheduler", {}, "PLMS"),
    "lms": ("LMSDiscreteScheduler", {}, "LMS"),
}
_SAMPLER_BY_CLASS = {
    "DDIMScheduler": "DDIM",
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "DPMSolverMultistepScheduler": "DPM++ 2M",
    "PNDMScheduler": "PLMS",
    "LMSDiscreteScheduler": "LMS",
    "FlowMatchEulerDiscreteScheduler": "Euler",
    "UniPCMultistepScheduler": "UniPC",
}


def sampler_name(scheduler_name: str, default_class: str) -> str:
    """The A1111 sampler name recorded in infotext for a kiln scheduler name."""
    if scheduler_name in _SCHEDULERS:
        return _SCHEDULERS[scheduler_name][2]
    return _SAMPLER_BY_CLASS.get(default_class, default_class)


def swap_scheduler(base_config: Any, scheduler_name: str) -> Any:
    """A new scheduler of the named kind built from the pipeline's own scheduler config."""
    import diffusers

    class_name, extra, _ = _SCHEDULERS[scheduler_name]
    return getattr(diffusers, class_name).from_config(base_config, **extra)
