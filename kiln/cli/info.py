"""`kiln models`, `kiln styles`, `kiln tokens`: what kiln knows, shown as tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.engine.catalog import list_models, resolve_model
from kiln.presets.styles import load_styles
from kiln.remote.models import listed_models

__all__ = ["models_command", "styles_command", "tokens_command"]

console = Console()


def models_command() -> None:
    """List the built-in models and the hub models kiln knows by name."""
    table = Table("model", "family", "steps", "cfg", "size", "multiple", "negative", "description")
    for info in [*list_models(), *listed_models(Settings())]:
        family = info.family
        side = int((family.default_megapixels * 1e6) ** 0.5)
        table.add_row(
            info.name, family.name, str(family.default_steps), f"{family.default_guidance:g}", f"{side}²",
            str(family.size_multiple), "yes" if family.supports_negative else "no", info.description,
        )  # fmt: skip
    console.print(table)
    console.print("Also: a local diffusers folder, or a single .safetensors checkpoint (with --family if needed).")
    console.print(
        "Remote: replicate:owner/model[:version] with REPLICATE_API_TOKEN, openai:<model> with KILN_OPENAI_BASE_URL."
    )


def styles_command(
    styles_file: Annotated[Path | None, typer.Option(help="A JSON file of extra styles")] = None,
) -> None:
    """List the styles: each a prompt template and a negative prompt."""
    book = load_styles(styles_file or Settings().styles_file)
    table = Table("style", "template", "negative", show_lines=False)
    for style in book:
        table.add_row(style.name, style.prompt, style.negative)
    console.print(table)


def tokens_command(
    prompt: Annotated[str, typer.Argument(help="The prompt to analyse")],
    model: Annotated[str | None, typer.Option(help="Model name (default: KILN_DEFAULT_MODEL)")] = None,
    family: Annotated[str | None, typer.Option(help="Family of a single-file or unknown hub model")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
) -> None:
    """Count a prompt's tokens for each text encoder of a model and show the words past each limit."""
    from kiln.engine.tokens import analyse_tokens

    info = resolve_model(model or Settings().default_model, family)
    if as_json:
        rows = [
            {"encoder": r.encoder, "kind": r.kind, "tokens": r.count, "limit": r.limit, "truncated": r.truncated,
             "overflow_words": list(r.overflow_words)}
            for r in analyse_tokens(info, prompt)
        ]  # fmt: skip
        print(json.dumps({"model": info.name, "family": info.family.name, "encoders": rows}))
        return
    table = Table("encoder", "tokens", "limit", "status", "words past the limit")
    for row in analyse_tokens(info, prompt):
        status = "[red]truncated[/red]" if row.truncated else "[green]fits[/green]"
        table.add_row(row.encoder, str(row.count), str(row.limit), status, " ".join(row.overflow_words))
    console.print(f"{info.name} ({info.family.name})")
    console.print(table)
