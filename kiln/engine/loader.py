"""Loading pipelines: built-in tiny ids, hub ids, local folders and single files, through diffusers' own
`from_pretrained` / `from_single_file`, then placed on the device with the memory options the plan asks for."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from kiln.engine.catalog import ModelInfo
from kiln.engine.device import DevicePlan
from kiln.engine.quiet import quiet_libraries
from kiln.engine.schedulers import sampler_name, swap_scheduler
from kiln.errors import InvalidInput, ModelLoadError

__all__ = ["LoadedModel", "load_failure", "load_model", "save_builtin"]

log = logging.getLogger(__name__)
_BUILTIN_MARKER = "_kiln_builtin"


@dataclass
class LoadedModel:
    """A pipeline on its device, with the schedulers it has been asked to use."""

    info: ModelInfo
    pipe: Any
    plan: DevicePlan
    _base_scheduler: Any = None
    _schedulers: dict[str, Any] = field(default_factory=dict)
    _img2img: Any = None
    adapters: dict[str, Any] = field(default_factory=dict)  # LoRAs applied, ControlNet pipelines, the model's hash
    _inpaint: Any = None

    def __post_init__(self) -> None:
        self._base_scheduler = self.pipe.scheduler

    def use_scheduler(self, name: str) -> None:
        """Put the named scheduler on the pipeline (built once per name, from the model's own config)."""
        if name == "default":
            self.pipe.scheduler = self._base_scheduler
            return
        if name not in self._schedulers:
            self._schedulers[name] = swap_scheduler(self._base_scheduler.config, name)
        self.pipe.scheduler = self._schedulers[name]

    def img2img_pipe(self) -> Any:
        """The family's image-to-image pipeline over this pipeline's own modules (made once, no weights copied),
        with the scheduler `use_scheduler` last chose."""
        if self._img2img is None:
            class_name = self.info.family.img2img_class
            if class_name is None:
                raise InvalidInput("init_image", f"{self.info.family.name} models have no image-to-image pipeline")
            import diffusers

            self._img2img = getattr(diffusers, class_name).from_pipe(self.pipe)
            self._img2img.set_progress_bar_config(disable=True)
        self._img2img.scheduler = self.pipe.scheduler
        return self._img2img

    def inpaint_pipe(self) -> Any:
        """The family's inpainting pipeline over this pipeline's own modules (made once, no weights copied), with
        the scheduler `use_scheduler` last chose."""
        if self._inpaint is None:
            import diffusers

            from kiln.engine.inpainting import inpaint_pipeline_class

            self._inpaint = getattr(diffusers, inpaint_pipeline_class(self)).from_pipe(self.pipe)
            self._inpaint.set_progress_bar_config(disable=True)
        self._inpaint.scheduler = self.pipe.scheduler
        return self._inpaint

    def sampler(self, scheduler: str) -> str:
        return sampler_name(scheduler, type(self._base_scheduler).__name__)

    def parameter_bytes(self) -> int:
        return sum(
            p.numel() * p.element_size()
            for c in self.pipe.components.values()
            if isinstance(c, torch.nn.Module)
            for p in c.parameters()
        )


def _from_source(info: ModelInfo, dtype: torch.dtype) -> Any:
    import diffusers

    if info.source == "builtin":
        from kiln.engine.tiny.builders import build_tiny

        return build_tiny(info.name).to(dtype=dtype)
    try:
        if info.source == "single_file":
            pipeline_class = getattr(diffusers, info.family.pipeline_class)
            return pipeline_class.from_single_file(info.location, torch_dtype=dtype)
        return diffusers.DiffusionPipeline.from_pretrained(info.location, torch_dtype=dtype)
    except (OSError, ValueError) as exc:
        raise load_failure(info, exc) from exc


# diffusers' and huggingface_hub's pointers at a traceback the API's caller never sees
_TRACEBACK_HINTS = re.compile(r"\s*(Please )?check out the root cause in the stacktrace above\.?", re.IGNORECASE)


def load_failure(info: ModelInfo, exc: BaseException) -> ModelLoadError:
    """Why `info` could not be loaded and what to do about it, without pointers at a stack trace."""
    detail = _TRACEBACK_HINTS.sub("", str(exc)).strip().rstrip(".")
    if info.source == "hub":
        advice = (
            f"check that {info.name!r} is a hub id that exists (and that the worker may read it: gated models need "
            "HF_TOKEN), and that it is downloaded or the hub is reachable from the worker"
        )
    else:
        advice = "check that the model's files on the worker's disk are complete and readable"
    return ModelLoadError(f"the model {info.name!r} could not be loaded ({detail}); {advice}")


def _gpu_memory_bytes(device: torch.device) -> int:
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    return 0


def _place(model: LoadedModel) -> None:
    plan, pipe = model.plan, model.pipe
    offload = plan.offload
    if offload == "auto":
        # Weights plus activations at batch size need headroom; offload whole models when the card is small.
        total = _gpu_memory_bytes(plan.device)
        offload = "model" if total and model.parameter_bytes() * 1.5 > total else "none"
    if plan.device.type == "cuda" and offload == "model":
        pipe.enable_model_cpu_offload(device=plan.device)
    elif plan.device.type == "cuda" and offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=plan.device)
    else:
        pipe.to(plan.device)
    if plan.is_gpu and hasattr(pipe, "vae"):
        pipe.vae.enable_slicing()  # decode a batch one image at a time: same output, far less peak memory
    if plan.go_fast:
        from kiln.engine.speed import go_fast

        go_fast(model)
    if plan.compile:
        denoiser = getattr(pipe, "transformer", None) or getattr(pipe, "unet", None)
        if denoiser is not None:
            denoiser.compile(mode="max-autotune-no-cudagraphs")
    pipe.set_progress_bar_config(disable=True)


def load_model(info: ModelInfo, plan: DevicePlan) -> LoadedModel:
    """Load a model and place it on the plan's device."""
    quiet_libraries()
    log.info("loading %s (%s) on %s as %s", info.name, info.source, plan.device, plan.dtype)
    model = LoadedModel(info=info, pipe=_from_source(info, plan.dtype), plan=plan)
    _place(model)
    return model


def save_builtin(name: str, folder: Path) -> Path:
    """Save a built-in tiny model as a diffusers folder that loads back through the local-folder path."""
    import json

    from kiln.engine.tiny.builders import build_tiny

    pipe = build_tiny(name)
    pipe.save_pretrained(folder)
    index_path = folder / "model_index.json"
    index = json.loads(index_path.read_text())
    index[_BUILTIN_MARKER] = name  # keeps the tiny family's small default sizes when loaded from disk
    index_path.write_text(json.dumps(index, indent=2))
    return folder
