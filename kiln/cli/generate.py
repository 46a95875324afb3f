"""`kiln generate`: one prompt or a whole file of scenes into a folder, resumable by running it again."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.bulk_input import read_bulk_file, row_labels, specs_from_rows
from kiln.jobs.grid import GridSpec, compose_grid, parse_grid_flag, plan_grid
from kiln.jobs.planner import plan_items
from kiln.jobs.run_folder import DEFAULT_FILENAME_TEMPLATE, RunFolder
from kiln.jobs.spec import ImageSpec
from kiln.jobs.storage_keys import GRID_FILE
from kiln.presets.styles import load_styles
from kiln.remote.models import namespace_of
from kiln.storage.local import LocalStorage
from kiln.types import ImageItem

__all__ = ["generate_command"]

console = Console()


def _flags(**values: Any) -> dict[str, Any]:
    """The spec fields the user set on the command line."""
    return {name: value for name, value in values.items() if value is not None}


def _specs(prompt: str | None, from_file: Path | None, flags: dict[str, Any]) -> tuple[list[ImageSpec], list[str]]:
    if from_file is not None:
        if prompt is not None:
            raise InvalidInput("prompt", "give a prompt or --from FILE, not both")
        if not from_file.is_file():
            raise InvalidInput("from", f"{from_file} does not exist")
        rows = read_bulk_file(from_file)
        if not rows:
            raise InvalidInput("from", f"{from_file} has no prompts")
        return specs_from_rows(rows, flags, source=from_file.name), row_labels(rows, from_file.name)
    if prompt is None:
        raise InvalidInput("prompt", 'give a prompt, e.g. kiln generate "a lighthouse at dusk", or --from FILE')
    [spec] = specs_from_rows([("", {"prompt": prompt})], flags)
    return [spec], [""]


def _fingerprint(
    specs: list[ImageSpec], settings: Settings, count: int, seed: int | None, template: str, grid: GridSpec | None
) -> str:
    """Identifies the request, so a second run of the same command resumes and a different one is refused. (The
    wildcard files are not part of it: a resumed run keeps the expansions its plan holds.)"""
    body: dict[str, Any] = {
        "specs": [spec.model_dump(exclude_none=True) for spec in specs],
        "default_model": settings.default_model,
        "n": count,
        "seed": seed,
        "template": template,
    }
    if grid is not None:  # only then: the fingerprints of earlier runs stay what they were
        body["grid"] = grid.model_dump(mode="json")
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _default_prefix(specs: list[ImageSpec], from_file: Path | None, fingerprint: str) -> str:
    stem = from_file.stem if from_file is not None else specs[0].prompt
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40].rstrip("-") or "run"
    return f"{slug}-{fingerprint[:6]}"


def generate_command(
    prompt: Annotated[str | None, typer.Argument(help="What to draw (or use --from)")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--from", help="A .jsonl, .csv or .txt file, one image per line or row")
    ] = None,
    negative: Annotated[str | None, typer.Option("--negative", "-N", help="Negative prompt")] = None,
    style: Annotated[str | None, typer.Option(help="Style name (see `kiln styles`)")] = None,
    quality: Annotated[str | None, typer.Option(help="fast, balanced, high or ultra")] = None,
    aspect: Annotated[str | None, typer.Option(help="1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3, 21:9")] = None,
    megapixels: Annotated[float | None, typer.Option(help="Target size for --aspect")] = None,
    width: Annotated[int | None, typer.Option(help="Width in pixels")] = None,
    height: Annotated[int | None, typer.Option(help="Height in pixels")] = None,
    steps: Annotated[int | None, typer.Option(help="Denoising steps (overrides --quality)")] = None,
    guidance: Annotated[float | None, typer.Option(help="CFG scale")] = None,
    scheduler: Annotated[str | None, typer.Option(help="default, euler, euler_a, dpmpp_2m, ddim, ...")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the first image; image i gets seed+i")] = None,
    n: Annotated[int, typer.Option("--n", "-n", min=1, help="Images per prompt")] = 1,
    model: Annotated[str | None, typer.Option(help="Model (see `kiln models`)")] = None,
    out: Annotated[Path | None, typer.Option(help="Output root folder (default: KILN_OUTPUT_DIR or ./outputs)")] = None,
    prefix: Annotated[str | None, typer.Option(help="Subfolder of the output root for this run")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="png, webp, jpeg or avif")] = None,
    output_quality: Annotated[int | None, typer.Option(help="Encoder quality 1-100 (webp, jpeg, avif)")] = None,
    filename: Annotated[str, typer.Option(help="File name template")] = DEFAULT_FILENAME_TEMPLATE,
    micro_batch: Annotated[int | None, typer.Option(min=1, help="Images per pipeline call")] = None,
    styles_file: Annotated[Path | None, typer.Option(help="A JSON file of extra styles")] = None,
    init_image: Annotated[Path | None, typer.Option(help="Start from this image (img2img)")] = None,
    strength: Annotated[float | None, typer.Option(help="img2img: how much to repaint, above 0 up to 1")] = None,
    mask: Annotated[
        Path | None, typer.Option(help="Inpaint: a mask of the init image's size, white where it is repainted")
    ] = None,
    outpaint: Annotated[
        str | None, typer.Option(help="Outpaint: pixels to add to the init image as LEFT,RIGHT,TOP,BOTTOM")
    ] = None,
    wildcards: Annotated[
        Path | None, typer.Option(help="Folder of wildcard files: __name__ in a prompt is a line of name.txt")
    ] = None,
    lora: Annotated[
        list[str] | None,
        typer.Option(help="A LoRA NAME[:WEIGHT] (see `kiln loras`) or a .safetensors path; repeat for several"),
    ] = None,
    control: Annotated[
        str | None, typer.Option(help="A ControlNet type: canny (edges of --control-image), depth, pose")
    ] = None,
    control_image: Annotated[Path | None, typer.Option(help="The ControlNet's image (for canny any picture)")] = None,
    control_scale: Annotated[float | None, typer.Option(help="How strongly the ControlNet guides, 0 to 2")] = None,
    hires_scale: Annotated[
        float | None, typer.Option(help="Hires fix: upscale by this (above 1 to 4), then img2img at --hires-strength")
    ] = None,
    hires_strength: Annotated[float, typer.Option(help="Hires fix: denoise of the second pass")] = 0.5,
    hires_upscaler: Annotated[
        str | None, typer.Option(help="Hires fix: an upscaler (see kiln upscale); default Lanczos")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print items, signatures, batches, seconds and cost; generate nothing")
    ] = False,
    dedupe: Annotated[
        bool, typer.Option(help="Generate identical items (same recipe and seed) once, each getting the file")
    ] = True,
    grid: Annotated[
        list[str] | None,
        typer.Option(
            help="A grid axis FIELD=V1,V2,... (x, then y, then z): seed, steps, guidance, style, model, sampler, or "
            "prompt (search and replace); one image per cell and a labelled grid.png"
        ),
    ] = None,
) -> None:
    """Generate images into <out>/<prefix>/ with a manifest. Running the same command again resumes.

    Prompts may hold variations: {a|b|c} picks one alternative and __name__ a line of a wildcard file, per image
    from its seed."""
    overrides: dict[str, Any] = _flags(
        output_dir=out, micro_batch=micro_batch, styles_file=styles_file, wildcards_dir=wildcards
    )
    settings = Settings(**overrides)
    flags = _flags(
        negative_prompt=negative, style=style, quality=quality, aspect=aspect, megapixels=megapixels, width=width,
        height=height, steps=steps, guidance=guidance, scheduler=scheduler, model=model, format=fmt,
        output_quality=output_quality, init_image=None if init_image is None else str(init_image),
        strength=strength, mask=None if mask is None else str(mask), outpaint=parse_margins(outpaint),
        hires=_hires(hires_scale, hires_strength, hires_upscaler),
    )  # fmt: skip
    flags.update(_adapter_flags(lora, control, control_image, control_scale))
    specs, labels = _specs(prompt, from_file, flags)
    plot = _grid(grid)
    if plot is not None:
        items = plan_grid(
            plot, specs, defaults=None, count=n, settings=settings, styles=load_styles(settings.styles_file),
            start_seed=seed,
        )  # fmt: skip
    else:
        items = plan_items(
            specs,
            defaults=None,
            settings=settings,
            styles=load_styles(settings.styles_file),
            start_seed=seed,
            count=n,
            where=labels.__getitem__ if from_file is not None else None,
        )
    if not dedupe:
        items = [replace(item, dedupe=False) for item in items]
    if dry_run:
        from kiln.cli.dry_run import dry_run as print_dry_run

        print_dry_run(console, items, settings)
        return
    fingerprint = _fingerprint(specs, settings, n, seed, filename, plot)
    run_prefix = prefix if prefix is not None else _default_prefix(specs, from_file, fingerprint)
    run = RunFolder.open(
        LocalStorage(settings.output_dir), run_prefix, items, fingerprint=fingerprint, template=filename
    )
    if any(namespace_of(item.model) for item in items):
        _execute_remote(run, settings, fingerprint)
    else:
        _execute(run, settings)
    if plot is not None:
        _write_grid(run, plot)


def _hires(scale: float | None, strength: float, upscaler: str | None) -> dict[str, Any] | None:
    """The hires fix the flags ask for (`--hires-scale` turns it on)."""
    if scale is None:
        if upscaler is not None:
            raise InvalidInput("hires_scale", "--hires-upscaler is for the hires fix; give --hires-scale too")
        return None
    return {"scale": scale, "strength": strength, "upscaler": upscaler}


def parse_margins(text: str | None) -> tuple[int, int, int, int] | None:
    """`--outpaint LEFT,RIGHT,TOP,BOTTOM` as four integers (the planner checks their values)."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    try:
        left, right, top, bottom = (int(part) for part in parts)
    except ValueError:
        raise InvalidInput("outpaint", f"{text!r} is not LEFT,RIGHT,TOP,BOTTOM in pixels, e.g. 0,256,0,0") from None
    return left, right, top, bottom


def _grid(flags: list[str] | None) -> GridSpec | None:
    """The `--grid` flags as a grid (at most three axes), or None without any."""
    if not flags:
        return None
    if len(flags) > 3:
        raise InvalidInput("grid", f"{len(flags)} --grid axes; a grid has at most three (x, y and z)")
    return GridSpec(axes=[parse_grid_flag(flag, i) for i, flag in enumerate(flags)])


def _write_grid(run: RunFolder, plot: GridSpec) -> None:
    """The run's labelled grid image, `grid.png` beside its images (a missing image is a crossed cell)."""
    from PIL import Image

    images: list[Image.Image | None] = []
    for item in run.items:
        path = run.storage.path(run.relative(item))
        images.append(Image.open(path) if path.is_file() else None)
    data, width, height = compose_grid(plot, images)
    key = f"{run.prefix}/{GRID_FILE}" if run.prefix else GRID_FILE
    run.storage.write(key, data)
    console.print(f"Grid of {len(images)} cells ({width}x{height}): {run.storage.path(key)}")


def _execute(run: RunFolder, settings: Settings) -> None:
    from kiln.cli.dry_run import local_rates
    from kiln.cli.progress import RunProgressBar
    from kiln.engine.executor import Engine
    from kiln.worker.local_run import LocalRunner

    pending = run.pending()
    if not pending:
        console.print(f"All {len(run.items)} images are already in {run.folder}/")
        return
    _describe(pending, len(run.items) - len(pending))
    with console.status("loading the model…"):
        engine = Engine(settings, reuse_last_unit=True)
        engine.model(pending[0].model)
    try:
        with RunProgressBar(console, "generating") as bar:
            rates = local_rates(settings)
            summary = LocalRunner(engine, run, on_progress=bar.update, rates=rates).run()
    except KeyboardInterrupt:
        console.print(
            f"[yellow]Interrupted.[/yellow] {run.done_count} of {len(run.items)} images are saved in {run.folder}/; "
            "run the same command again to finish."
        )
        raise typer.Exit(130) from None
    rate = summary.generated / summary.seconds if summary.seconds else 0.0
    console.print(
        f"[green]Done.[/green] {summary.generated} images in {summary.batches} batches ({rate:.2f} img/s), "
        f"{summary.skipped} already there; {run.folder}/manifest.jsonl"
    )


def _execute_remote(run: RunFolder, settings: Settings, fingerprint: str) -> None:
    """A run of remote models (`kiln.remote.local_run`): no engine, many requests at once."""
    from kiln.remote.local_run import run_remote

    if not all(namespace_of(item.model) for item in run.items):
        raise InvalidInput("model", "this run mixes remote and local models; run them as two commands")
    pending = run.pending()
    if not pending:
        console.print(f"All {len(run.items)} images are already in {run.folder}/")
        return
    _describe(pending, len(run.items) - len(pending))
    summary = run_remote(run, settings, key=fingerprint[:16])
    for index, why in sorted(summary.failed.items()):
        console.print(f"[red]item {index} failed:[/red] {why}")
    console.print(f"{summary.generated} images made remotely; {run.folder}/manifest.jsonl")
    if summary.failed:
        raise typer.Exit(1)


def _describe(pending: list[ImageItem], skipped: int) -> None:
    sizes = sorted({(i.width, i.height) for i in pending})
    models = sorted({i.model for i in pending})
    resumed = f", resuming ({skipped} already done)" if skipped else ""
    shown = ", ".join(f"{w}x{h}" for w, h in sizes[:4]) + (" …" if len(sizes) > 4 else "")
    console.print(f"{len(pending)} images with {', '.join(models)} at {shown}{resumed}")


def _adapter_flags(
    loras: list[str] | None, control: str | None, image: Path | None, scale: float | None
) -> dict[str, Any]:
    """The `loras` and `control` spec fields of `--lora`, `--control`, `--control-image` and `--control-scale`."""
    from kiln.cli.loras import parse_lora_flag

    flags: dict[str, Any] = {}
    if loras:
        flags["loras"] = [parse_lora_flag(text) for text in loras]
    if control is None:
        if image is not None or scale is not None:
            raise InvalidInput("control", "--control-image and --control-scale need --control TYPE (e.g. canny)")
        return flags
    if image is None:
        raise InvalidInput("control_image", f"--control {control} needs --control-image PATH")
    flags["control"] = {"type": control, "image": str(image), **({} if scale is None else {"scale": scale})}
    return flags
