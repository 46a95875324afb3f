"""Planning LoRAs: A1111's `<lora:name:weight>` prompt tags and the `loras` field become an item's `LoraUse`s.

- A tag is taken out of the prompt text (the pipeline never sees it); `<lora:name>` means weight 1. Extra A1111
  multipliers (`<lora:name:te:unet>`) use the first one.
- Each LoRA is a built-in id, a file in `KILN_LORA_DIR` by name, or (local runs) any `.safetensors` path; over
  HTTP a path must lie inside the LoRA folder. A built-in LoRA must fit the model's family.
- The same LoRA twice: the last weight wins (the tags come after the field). Weights lie in -4..4.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kiln.engine.lora_catalog import BUILTIN_LORAS, BUILTIN_SCHEME, lora_from_path, lora_source
from kiln.errors import InvalidInput
from kiln.jobs.adapter_specs import MAX_LORA_WEIGHT, MAX_LORAS, LoraSpec
from kiln.types import LoraUse

__all__ = ["plan_loras", "take_lora_tags"]

_TAG = re.compile(r"<lora:([^:>]+)(?::([^:>]*))?(?::[^>]*)?>", re.IGNORECASE)


def take_lora_tags(prompt: str) -> tuple[str, list[LoraSpec]]:
    """The prompt without its `<lora:...>` tags (spaces and commas tidied), and the LoRAs they name."""
    found: list[LoraSpec] = []
    for match in _TAG.finditer(prompt):
        name, weight_text = match.group(1).strip(), (match.group(2) or "1").strip()
        try:
            weight = float(weight_text)
        except ValueError:
            raise InvalidInput("prompt", f"{match.group(0)}: {weight_text!r} is not a weight; write e.g. 0.8") from None
        if not -MAX_LORA_WEIGHT <= weight <= MAX_LORA_WEIGHT:
            message = (
                f"{match.group(0)}: weight {weight:g} is out of range; use -{MAX_LORA_WEIGHT:g} to {MAX_LORA_WEIGHT:g}"
            )
            raise InvalidInput("prompt", message)
        found.append(LoraSpec(name=name, weight=weight))
    if not found:
        return prompt, []
    text = _TAG.sub(" ", prompt)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s*,(\s*,)+", ",", text)
    return text.strip(" ,\t"), found


def plan_loras(
    specs: Sequence[LoraSpec], tagged: Sequence[LoraSpec], *, family: str, folder: Path, local: bool
) -> tuple[LoraUse, ...]:
    """The item's LoRAs (the `loras` field's, then the prompt's tags), one per source (the last weight wins);
    `InvalidInput` naming `loras.<i>.name`/`.path`, or `prompt` for a tag."""
    chosen: dict[str, LoraUse] = {}
    named = [(spec, f"loras.{i}") for i, spec in enumerate(specs)] + [(spec, "prompt") for spec in tagged]
    for spec, where in named:
        if spec.name is not None:
            name, source = lora_source(spec.name, folder, where if where == "prompt" else f"{where}.name")
        else:
            assert spec.path is not None
            name, source = lora_from_path(spec.path, folder, f"{where}.path", local=local)
        builtin_family = BUILTIN_LORAS.get(source.removeprefix(BUILTIN_SCHEME))
        if source.startswith(BUILTIN_SCHEME) and builtin_family != family:
            field = where if where == "prompt" else f"{where}.name"
            raise InvalidInput(field, f"{name} is a LoRA for {builtin_family} models, not {family}; remove it")
        chosen.pop(source, None)
        chosen[source] = LoraUse(name=name, source=source, weight=spec.weight)
    if len(chosen) > MAX_LORAS:
        raise InvalidInput("loras", f"{len(chosen)} LoRAs on one image is over the limit of {MAX_LORAS}")
    return tuple(chosen.values())
