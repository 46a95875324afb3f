"""Frozen domain types shared by every layer. Imports nothing of kiln's."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

__all__ = ["OUTPUT_FORMATS", "ControlUse", "ImageItem", "LoraUse", "OutputFormat", "Signature"]

OutputFormat = Literal["png", "webp", "jpeg", "avif"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("png", "webp", "jpeg", "avif")


@dataclass(frozen=True, slots=True)
class Signature:
    """What items must share to run in one pipeline call (one micro-batch)."""

    model: str
    kind: str
    width: int
    height: int
    steps: int
    guidance: float
    scheduler: str
    adapters: tuple[str, ...] = ()
    strength: float | None = None  # img2img only: one pipeline call takes one strength

    def key(self) -> str:
        """A canonical string for storing and grouping by signature (without `strength` when it is unset, so
        txt2img keys are what they were before img2img existed)."""
        fields = asdict(self)
        if self.strength is None:
            del fields["strength"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def label(self) -> str:
        label = f"{self.model} {self.kind} {self.width}x{self.height} {self.steps} steps cfg {self.guidance:g}"
        return label if self.strength is None else f"{label} denoise {self.strength:g}"


@dataclass(frozen=True, slots=True)
class ImageItem:
    """One output image, fully resolved: style applied, size rounded, seed assigned.

    `prompt` and `negative_prompt` are what the pipeline sees; `user_prompt` is what the user wrote, its variations
    expanded (`kiln.jobs.prompt_syntax`; the template is kept in `prompt_template`/`negative_template`). An
    img2img item (`kind="img2img"`) starts from `init_image` (a local file; the engine also takes images in
    memory); `strength` is how much of it is repainted (near 0 keeps it, 1 repaints it). txt2img ignores both.
    """

    index: int
    prompt: str
    negative_prompt: str
    user_prompt: str
    model: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    style: str | None = None
    quality: str | None = None
    scheduler: str = "default"
    kind: str = "txt2img"
    output_format: OutputFormat = "png"
    output_quality: int = 95
    name: str | None = None
    init_image: str | None = None
    strength: float = 1.0
    prompt_template: str | None = None  # what the user wrote, when it held variations (`{a|b}`, `__name__`)
    negative_template: str | None = None  # the same for the negative prompt
    loras: tuple[LoraUse, ...] = ()  # applied in this order, each at its weight
    control: ControlUse | None = None  # a ControlNet guiding the item
    mask: str | None = None  # inpaint: white = repaint (a local file or `storage:<key>`); None with `outpaint`
    outpaint: tuple[int, int, int, int] | None = None  # inpaint: pixels added left, right, top, bottom
    dedupe: bool = True  # an identical item (same recipe and seed) in one request is generated once
    hires_scale: float | None = None  # hires fix: the image upscaled by this, then img2img at `hires_strength`
    hires_strength: float = 0.5
    hires_upscaler: str | None = None  # an upscaler name (`kiln.engine.upscaler_names`); None: Lanczos

    def hires_kind(self) -> str:
        """The signature kind of a hires-fix item (its second pass is part of the batch), else `kind`."""
        if self.hires_scale is None:
            return self.kind
        return f"{self.kind}+hires {self.hires_scale:g}x {self.hires_strength:g} {self.hires_upscaler or 'lanczos'}"

    def recipe_key(self) -> str:
        """What makes the pixels: every field but the item's place and its file's name and encoding, so identical
        items of one request can be generated once (`dedupe`)."""
        data = {k: v for k, v in asdict(self).items() if k not in _NOT_IN_PIXELS}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def signature(self) -> Signature:
        return Signature(
            model=self.model,
            kind=self.hires_kind(),
            width=self.width,
            height=self.height,
            steps=self.steps,
            guidance=self.guidance,
            scheduler=self.scheduler,
            strength=self.strength if self.kind in ("img2img", "inpaint") else None,
            adapters=self.adapter_keys(),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["loras"] = list(data["loras"])  # JSON's form: a recipe read back compares equal
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageItem:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if isinstance(values.get("outpaint"), list):  # JSON has no tuples
            values["outpaint"] = tuple(values["outpaint"])
        return cls(**values)

    def __post_init__(self) -> None:
        # a recipe read back from JSON holds dicts and lists: make them the frozen types again
        loras: tuple[LoraUse | dict[str, Any], ...] = tuple(self.loras)
        object.__setattr__(self, "loras", tuple(LoraUse(**x) if isinstance(x, dict) else x for x in loras))
        control: ControlUse | dict[str, Any] | None = self.control
        if isinstance(control, dict):
            object.__setattr__(self, "control", ControlUse(**control))

    def adapter_keys(self) -> tuple[str, ...]:
        """The LoRA set (order-free: the same set shares a pipeline call) and the ControlNet, for the signature."""
        keys = sorted(lora.key() for lora in self.loras)
        if self.control is not None:
            keys.append(self.control.key())
        return tuple(keys)


@dataclass(frozen=True, slots=True)
class LoraUse:
    """One LoRA applied to an item. `source` says where its weights are: `builtin:<name>`, `dir:<name>` (a file in
    `KILN_LORA_DIR`, read by whichever process runs the item) or an absolute path (a local run's own file);
    `name` is what the infotext and `<lora:name:w>` show."""

    name: str
    source: str
    weight: float

    def key(self) -> str:
        return f"lora:{self.source}@{self.weight!r}"


@dataclass(frozen=True, slots=True)
class ControlUse:
    """A ControlNet guiding an item: its `type` (`canny` edges are computed by kiln from `image`; other types take
    `image` as the control map), the ControlNet `model` serving that type, and its conditioning `scale`."""

    type: str
    image: str  # an absolute path (local runs) or `storage:<key>` (jobs)
    scale: float
    model: str

    def key(self) -> str:
        return f"control:{self.type}:{self.model}@{self.scale!r}"


_NOT_IN_PIXELS = frozenset({"index", "name", "output_format", "output_quality", "dedupe"})
