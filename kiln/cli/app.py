"""The `kiln` command: wires the sub-commands and turns kiln's errors into clear messages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from kiln import __version__
from kiln.cli.animate import animate_app
from kiln.cli.assemble import assemble_command
from kiln.cli.generate import generate_command
from kiln.cli.info import models_command, styles_command, tokens_command
from kiln.cli.keys import keys_app
from kiln.cli.lipsync import avatar_command, lipsync_command
from kiln.cli.loras import loras_command
from kiln.cli.render import render_command
from kiln.cli.reproduce import reproduce_command
from kiln.cli.serve import serve_command
from kiln.cli.speak import speak_command
from kiln.cli.upscale import upscale_command
from kiln.cli.video import video_command
from kiln.cli.worker import worker_command
from kiln.errors import InvalidInput, KilnError

__all__ = ["app", "main"]

app = typer.Typer(
    name="kiln",
    help="Generate images, video and narrated cuts in bulk, on your own machine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("generate")(generate_command)
app.command("reproduce")(reproduce_command)
app.command("tokens")(tokens_command)
app.command("models")(models_command)
app.command("styles")(styles_command)
app.command("loras")(loras_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.command("render")(render_command)
app.command("video")(video_command)
app.command("assemble")(assemble_command)
app.command("speak")(speak_command)
app.command("upscale")(upscale_command)
app.command("lipsync")(lipsync_command)
app.command("avatar")(avatar_command)
app.add_typer(keys_app)
app.add_typer(animate_app)


def _version(value: bool) -> None:
    if value:
        print(f"kiln {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit")
    ] = False,
) -> None:
    """kiln: bulk generation of images, video and narrated cuts on your own machine."""


def main() -> None:
    errors = Console(stderr=True)
    try:
        app()
    except InvalidInput as exc:
        errors.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KilnError as exc:
        errors.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
