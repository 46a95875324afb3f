"""The short hashes A1111 writes into infotext, which Civitai and other readers use to link the resources used.

- `Model hash`: the first 10 hex digits of the SHA-256 of a checkpoint file (A1111's `shorthash`). A model that is
  not one file (a diffusers folder, a hub id, a built-in) hashes its weights as loaded: each component's tensors
  by name, in sorted order.
- `Lora hashes`: the first 12 hex digits of kohya's "addnet" hash of a `.safetensors` LoRA, the SHA-256 of the file
  after its header (what A1111 writes for safetensors LoRAs).
File hashes are kept in `<data_dir>/hashes.json`, keyed by path, size and modification time, so a 6 GB checkpoint is
read once, not at every start.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import torch

__all__ = ["FileHashes", "addnet_hash", "model_short_hash", "weights_sha256"]

_BLOCK = 1 << 20


def _sha256_stream(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_BLOCK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def addnet_hash(data: bytes) -> str:
    """kohya's hash of safetensors bytes: the SHA-256 of everything after the 8-byte length and the JSON header."""
    size = int.from_bytes(data[:8], "little")
    return hashlib.sha256(data[8 + size :]).hexdigest()


def weights_sha256(modules: Iterable[tuple[str, Any]]) -> str:
    """The SHA-256 of named modules' tensors (names, dtypes, shapes and bytes), in sorted order."""
    digest = hashlib.sha256()
    for prefix, module in sorted(modules, key=lambda pair: pair[0]):
        if not isinstance(module, torch.nn.Module):
            continue
        for name, tensor in sorted(module.state_dict().items()):
            if "lora_" in name:  # a LoRA loaded on the model is not the model
                continue
            digest.update(f"{prefix}.{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
            digest.update(tensor.detach().to("cpu").contiguous().view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


class FileHashes:
    """SHA-256 (whole file, or addnet for LoRAs) of files, cached on disk by path, size and modification time."""

    def __init__(self, cache_file: Path) -> None:
        self._cache_file = cache_file
        self._lock = threading.Lock()

    def sha256(self, path: Path) -> str:
        return self._cached(path, "sha256")

    def addnet(self, path: Path) -> str:
        return self._cached(path, "addnet")

    def _cached(self, path: Path, kind: str) -> str:
        path = path.resolve()
        stat = path.stat()
        key = f"{kind}:{path}:{stat.st_size}:{stat.st_mtime_ns}"
        with self._lock:
            cache = self._read()
            if key in cache:
                return cache[key]
            with path.open("rb") as handle:
                if kind == "addnet":
                    handle.seek(8 + int.from_bytes(handle.read(8), "little"))
                value = _sha256_stream(handle)
            cache[key] = value
            self._write(cache)
            return value

    def _read(self) -> dict[str, str]:
        try:
            loaded = json.loads(self._cache_file.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def _write(self, cache: dict[str, str]) -> None:
        try:
            self._cache_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._cache_file.with_name(f".{self._cache_file.name}.{os.getpid()}")
            temporary.write_text(json.dumps(cache, indent=0, sort_keys=True))
            temporary.replace(self._cache_file)  # atomic: a racing worker's copy is whole too
        except OSError:
            pass  # a cache only: the hash is computed again next time


def model_short_hash(model: Any, files: FileHashes) -> str:
    """A1111's `Model hash` of a `LoadedModel`, computed once per loaded model: 10 hex digits of the checkpoint
    file's SHA-256, or of its weights as loaded when it is not one file."""
    cached = model.adapters.get("model_hash")
    if cached is None:
        if model.info.source == "single_file":
            cached = files.sha256(Path(model.info.location))[:10]
        else:
            cached = weights_sha256(model.pipe.components.items())[:10]
        model.adapters["model_hash"] = cached
    return str(cached)
