"""`kiln loras`: the LoRAs kiln can apply (built-ins and the LoRA folder), and the ControlNet types per family."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.engine.control_catalog import COMPUTED_TYPES, control_types
from kiln.engine.families import FAMILIES
from kiln.engine.lora_catalog import list_loras

__all__ = ["loras_command", "parse_lora_flag"]

console = Console()


def loras_command(
    lora_dir: Annotated[Path | None, typer.Option(help="The LoRA folder (default: KILN_LORA_DIR)")] = None,
) -> None:
    """List the LoRAs (`<lora:name:0.8>` in a prompt, or --lora name:0.8) and the ControlNet types per family."""
    folder = lora_dir or Settings().resolved_lora_dir()
    table = Table("lora", "source", "family", "size")
    for entry in list_loras(folder):
        size = f"{entry.size_bytes / 1e6:.1f} MB" if entry.size_bytes else ""
        table.add_row(entry.name, entry.source, entry.family or "", size)
    console.print(table)
    console.print(f"LoRA folder: {folder} (its .safetensors files, by path without the suffix)")
    controls = Table("family", "control types (--control TYPE)")
    for name in FAMILIES:
        types = control_types(name)
        if types:
            shown = ", ".join(f"{kind} (computed)" if kind in COMPUTED_TYPES else kind for kind in types)
            controls.add_row(name, shown)
    console.print(controls)


def parse_lora_flag(text: str) -> dict[str, object]:
    """`--lora NAME[:WEIGHT]` (or a `.safetensors` path) as a `loras` entry."""
    source, weight = text, "1"
    head, sep, tail = text.rpartition(":")
    if sep and head and not tail.startswith(("/", "\\")):
        source, weight = head, tail
    try:
        value = float(weight)
    except ValueError:
        from kiln.errors import InvalidInput

        raise InvalidInput("lora", f"{text!r}: {weight!r} is not a weight; write NAME:0.8") from None
    key = "path" if source.endswith(".safetensors") else "name"
    return {key: source, "weight": value}
