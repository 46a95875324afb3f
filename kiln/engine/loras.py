"""Applying LoRAs to a loaded model through diffusers' LoRA loaders and `set_adapters`.

A model carries one LoRA set at a time (the items of a pipeline call share it: it is part of their signature).
When the next call wants another set, the loaded LoRAs are unloaded first (`unload_lora_weights` puts the original
layers back, so the base model is exactly what was loaded), then the new ones are loaded under kiln's adapter names
and weighted with `set_adapters`. A call with the same LoRAs at other weights only calls `set_adapters`.
The last `KEPT_STATE_DICTS` state dicts are kept in memory by source, so switching back and forth reads each file
once.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from kiln.engine.hashes import FileHashes, addnet_hash
from kiln.engine.lora_catalog import BUILTIN_SCHEME, DIR_SCHEME, SUFFIX
from kiln.errors import InvalidInput
from kiln.types import LoraUse

__all__ = ["KEPT_STATE_DICTS", "LoraLibrary", "use_loras"]

KEPT_STATE_DICTS = 16
_APPLIED = "loras"  # the key of `LoadedModel.adapters` holding the sources loaded on that model


class LoraLibrary:
    """Where LoRAs come from (`KILN_LORA_DIR`, built-ins, local paths), their state dicts and short hashes."""

    def __init__(self, folder: Path, hashes: FileHashes) -> None:
        self.folder = folder
        self._hashes = hashes
        self._states: OrderedDict[str, dict[str, torch.Tensor]] = OrderedDict()  # least recently used first
        self._builtin_hashes: dict[str, str] = {}

    def path(self, source: str) -> Path | None:
        """The file of a source (None for a built-in); `InvalidInput` naming `loras` when it is gone."""
        if source.startswith(BUILTIN_SCHEME):
            return None
        path = (
            self.folder / f"{source.removeprefix(DIR_SCHEME)}{SUFFIX}"
            if source.startswith(DIR_SCHEME)
            else Path(source)
        )
        if not path.is_file() and source.startswith(DIR_SCHEME):
            name = source.removeprefix(DIR_SCHEME)
            raise InvalidInput("loras", f"the LoRA {name} is not in this worker's LoRA folder (KILN_LORA_DIR)")
        if not path.is_file():
            raise InvalidInput("loras", f"the LoRA file {path.name} does not exist any more; give one that does")
        return path

    def state_dict(self, source: str) -> dict[str, torch.Tensor]:
        if source not in self._states:
            path = self.path(source)
            if path is None:
                from kiln.engine.tiny.adapters import build_tiny_lora

                self._states[source] = build_tiny_lora(source.removeprefix(BUILTIN_SCHEME))
            else:
                from safetensors.torch import load_file

                self._states[source] = load_file(path)
            while len(self._states) > KEPT_STATE_DICTS:
                self._states.popitem(last=False)
        self._states.move_to_end(source)
        return self._states[source]

    def short_hash(self, source: str) -> str:
        """A1111's `Lora hashes` entry: 12 hex digits of the addnet hash."""
        path = self.path(source)
        if path is not None:
            return self._hashes.addnet(path)[:12]
        if source not in self._builtin_hashes:
            from safetensors.torch import save

            self._builtin_hashes[source] = addnet_hash(save(self.state_dict(source)))
        return self._builtin_hashes[source][:12]


def _adapter_name(source: str) -> str:
    return "kiln_" + hashlib.sha256(source.encode()).hexdigest()[:12]


def use_loras(model: Any, loras: Sequence[LoraUse], library: LoraLibrary | None) -> None:
    """Make `loras` (at their weights) the only LoRAs on `model` (a `LoadedModel`); none: the base model."""
    wanted = tuple(sorted({lora.source for lora in loras}))
    applied: tuple[str, ...] = model.adapters.get(_APPLIED, ())
    pipe = model.pipe
    if applied != wanted:
        if applied:
            pipe.unload_lora_weights()
            model.adapters[_APPLIED] = ()
        if wanted and library is None:
            raise InvalidInput("loras", "LoRAs cannot be used here")
        for source in wanted:
            assert library is not None
            try:
                pipe.load_lora_weights(dict(library.state_dict(source)), adapter_name=_adapter_name(source))
            except (ValueError, KeyError, RuntimeError) as exc:
                pipe.unload_lora_weights()
                name = next(lora.name for lora in loras if lora.source == source)
                message = f"the LoRA {name} does not fit {model.info.label} ({exc}); use one made for its family"
                raise InvalidInput("loras", message) from exc
        model.adapters[_APPLIED] = wanted
    if wanted:
        pipe.set_adapters(
            [_adapter_name(lora.source) for lora in loras], adapter_weights=[lora.weight for lora in loras]
        )
