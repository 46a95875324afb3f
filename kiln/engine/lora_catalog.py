"""The LoRA catalog: built-in tiny LoRAs and the `.safetensors` files of the LoRA folder (`KILN_LORA_DIR`). No torch.

A LoRA is named as A1111 names it: a file's path in the folder without its suffix (`styles/ink` for
`styles/ink.safetensors`), or a built-in id. Names never reach outside the folder; over HTTP a caller names LoRAs
(or paths inside the folder), never other files of the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from kiln.errors import InvalidInput

__all__ = ["BUILTIN_LORAS", "BUILTIN_SCHEME", "DIR_SCHEME", "LoraEntry", "list_loras", "lora_from_path", "lora_source"]

BUILTIN_SCHEME = "builtin:"
DIR_SCHEME = "dir:"
SUFFIX = ".safetensors"

# built-in tiny LoRAs (seeded random weights, made with peft) -> the family they fit
BUILTIN_LORAS: Mapping[str, str] = MappingProxyType({"tiny-sd-lora": "tiny-sd", "tiny-flux-lora": "tiny-flux"})


@dataclass(frozen=True, slots=True)
class LoraEntry:
    """One LoRA kiln can apply: its name, where it comes from, its size in bytes (0 for built-ins) and, for a
    built-in, the family it fits."""

    name: str
    source: str  # "builtin" or "folder"
    size_bytes: int = 0
    family: str | None = None


def list_loras(folder: Path) -> list[LoraEntry]:
    """The built-in LoRAs, then every `.safetensors` file under `folder` (sorted by name)."""
    entries = [LoraEntry(name, "builtin", 0, family) for name, family in BUILTIN_LORAS.items()]
    if folder.is_dir():
        for path in sorted(folder.rglob(f"*{SUFFIX}")):
            if _is_file(path) and _utf8(path.relative_to(folder).as_posix()):
                entries.append(
                    LoraEntry(path.relative_to(folder).with_suffix("").as_posix(), "folder", path.stat().st_size)
                )
    return entries


def lora_source(name: str, folder: Path, field: str) -> tuple[str, str]:
    """(display name, source) of the LoRA called `name`: a built-in id or a file in `folder`."""
    clean = name.strip().removesuffix(SUFFIX)
    if clean in BUILTIN_LORAS:
        return clean, BUILTIN_SCHEME + clean
    if not clean or clean.startswith(("/", "\\")) or ".." in Path(clean).parts or "\\" in clean:
        raise InvalidInput(field, f"{name!r} is not a LoRA name; see `kiln loras` or GET /v1/loras")
    if not _is_file(folder / f"{clean}{SUFFIX}"):
        known = ", ".join(entry.name for entry in list_loras(folder)[:12])
        shown = name if len(name) <= 100 else f"{name[:100]}..."
        raise InvalidInput(field, f"no LoRA named {shown!r} in the LoRA folder (KILN_LORA_DIR); known: {known}")
    return Path(clean).name, DIR_SCHEME + clean


def lora_from_path(text: str, folder: Path, field: str, *, local: bool) -> tuple[str, str]:
    """(display name, source) of a LoRA given as a file path. Over HTTP (`local=False`) only a path inside `folder`
    is taken (and kept as its name there); a local run may name any `.safetensors` file."""
    path = Path(text).expanduser()
    if not local:
        try:
            relative = (folder / path).resolve().relative_to(folder.resolve())
        except ValueError:
            raise InvalidInput(
                field, "a LoRA path must lie inside the LoRA folder (KILN_LORA_DIR); give its name"
            ) from None
        return lora_source(relative.as_posix(), folder, field)
    if path.suffix != SUFFIX:
        raise InvalidInput(field, f"{text} is not a .safetensors file; LoRAs load from .safetensors")
    if not _is_file(path):
        raise InvalidInput(field, f"{text[:200]} does not exist; give the path of a LoRA .safetensors file")
    return path.stem, str(path.resolve())


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; a name the file system refuses (too long, say) is none, not an error."""
    try:
        return path.is_file()
    except OSError:
        return False


def _utf8(name: str) -> bool:
    """Whether a file name is text: one in another encoding (undecodable bytes kept as surrogates) cannot be named
    in JSON or a request, so it is left out of the list."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
