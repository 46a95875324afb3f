"""Grids (A1111's X/Y/Z plot): one base image spec, up to three axes of values, one item per combination.

- An axis names a field (`prompt`, `seed`, `steps`, `guidance`, `style`, `model`, `sampler`) and its values. A
  `prompt` axis is A1111's Prompt S/R: its first value must occur in the prompt (or the negative prompt), and each
  value replaces every occurrence of it there. `sampler` is the spec's `scheduler`.
- A grid has one base spec: a job of one item (or one prompt) and `n` 1. Several prompts would make several grids
  whose cells nobody could tell apart, so that is refused rather than guessed.
- Every cell shares the base seed (the spec's, else the job's `start_seed`, else one drawn at random) unless an
  axis sets it, so only the axes change from cell to cell; variations (`{a|b}`) therefore pick the same way in
  every cell of one seed.
- Items are ordered x fastest, then y, then z: item `x + nx * (y + ny * z)` is the cell (x, y) of grid z.
Every value is checked as its field would be (a wrong style names `grid.axes[i].values[j]`).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from PIL import Image, PngImagePlugin
from pydantic import ConfigDict, Field, ValidationError

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.inpaint import StoredSize
from kiln.jobs.planner import check_total, merge_spec, plan_items
from kiln.jobs.spec import ImageOptions, ImageSpec
from kiln.jobs.text import PlainText
from kiln.media.grid_image import GridLabels, draw_grid
from kiln.presets.styles import StyleBook
from kiln.types import ImageItem

__all__ = [
    "GRID_FIELDS",
    "MAX_AXIS_VALUES",
    "GridAxis",
    "GridCell",
    "GridSpec",
    "axis_label",
    "cell_of",
    "compose_grid",
    "grid_labels",
    "grid_specs",
    "parse_grid_flag",
    "plan_grid",
]

GridField = Literal["prompt", "seed", "steps", "guidance", "style", "model", "sampler"]
GRID_FIELDS: tuple[str, ...] = ("prompt", "seed", "steps", "guidance", "style", "model", "sampler")
MAX_AXIS_VALUES = 100
_SPEC_FIELD = {"sampler": "scheduler"}  # grid field -> ImageSpec field, where they differ
_LABELS = {
    "seed": "Seed",
    "steps": "Steps",
    "guidance": "CFG",
    "style": "Style",
    "model": "Model",
    "sampler": "Sampler",
}
AxisValue = Annotated[str, Field(max_length=2000)] | int | float


class GridAxis(PlainText):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: GridField = Field(description="What the axis changes; `prompt` is search and replace (A1111's Prompt S/R)")
    values: list[AxisValue] = Field(min_length=1, max_length=MAX_AXIS_VALUES, description="One per row or column")


class GridSpec(PlainText):
    """`{"axes": [x, y, z]}`: 1 to 3 axes; one item per combination of their values, one labelled grid image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    axes: list[GridAxis] = Field(min_length=1, max_length=3, description="x, then y, then z")

    @property
    def cells(self) -> int:
        return math.prod(len(axis.values) for axis in self.axes)


@dataclass(frozen=True, slots=True)
class GridCell:
    """Where item `index` goes: column x, row y, grid z."""

    index: int
    x: int
    y: int
    z: int


def axis_label(field: str, value: object) -> str:
    """A cell's label on the grid: `Seed: 3`, `CFG: 7.5`, or a prompt replacement as it is."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return shown if field == "prompt" else f"{_LABELS[field]}: {shown}"


def _value(axis: GridAxis, position: str, value: AxisValue) -> Any:
    """`value` as its field takes it, checked as the field itself is (a range, a type)."""
    if isinstance(value, bool):
        raise InvalidInput(position, f"{value!r} is not a {axis.field} value")
    if axis.field == "prompt":
        if not isinstance(value, str):
            raise InvalidInput(position, f"{value!r} is not text; a prompt axis holds the words to put in the prompt")
        return value
    name = _SPEC_FIELD.get(axis.field, axis.field)
    try:
        checked = ImageOptions.model_validate({name: value})
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise InvalidInput(position, f"{value!r} is not a {axis.field} value: {reason}") from exc
    return getattr(checked, name)


def _replace(spec: ImageSpec, search: str, value: str) -> dict[str, Any]:
    update: dict[str, Any] = {"prompt": spec.prompt.replace(search, value)}
    if spec.negative_prompt:
        update["negative_prompt"] = spec.negative_prompt.replace(search, value)
    return update


def grid_specs(
    grid: GridSpec,
    base: ImageSpec,
    *,
    seed: int | None,
    check: Callable[[ImageSpec], object],
    rng: random.Random | None = None,
) -> tuple[list[ImageSpec], list[GridCell]]:
    """The specs of every cell (x fastest) and where each goes. `base` is the job's one spec merged over its
    defaults; `seed` the job's `start_seed`; `check(spec)` plans one spec (raising `InvalidInput`), used to check
    each value alone so that errors name it (`grid.axes[i].values[j]`)."""
    base_seed = base.seed if base.seed is not None else seed
    if base_seed is None:
        base_seed = (rng or random.Random()).randrange(2**32)
    base = base.model_copy(update={"seed": base_seed})
    updates: list[list[dict[str, Any]]] = []
    for i, axis in enumerate(grid.axes):
        if axis.field == "prompt":
            search = axis.values[0]
            if (
                not isinstance(search, str)
                or not search
                or (search not in base.prompt and search not in (base.negative_prompt or ""))
            ):
                raise InvalidInput(
                    f"grid.axes[{i}].values[0]",
                    f"{search!r} is not in the prompt; a prompt axis replaces its first value, so that value must "
                    "be words of the prompt",
                )
        axis_updates = []
        for j, raw in enumerate(axis.values):
            where = f"grid.axes[{i}].values[{j}]"
            value = _value(axis, where, raw)
            if axis.field == "prompt":
                update = _replace(base, str(axis.values[0]), value)
            else:
                update = {_SPEC_FIELD.get(axis.field, axis.field): value}
            try:
                check(base.model_copy(update=update))
            except InvalidInput as exc:
                raise InvalidInput(where, f"{raw!r}: {exc.message}") from exc
            axis_updates.append(update)
        updates.append(axis_updates)
    sizes = [len(u) for u in updates] + [1] * (3 - len(updates))
    specs: list[ImageSpec] = []
    cells: list[GridCell] = []
    for z in range(sizes[2]):
        for y in range(sizes[1]):
            for x in range(sizes[0]):
                spec = base
                for i, (axis, position) in enumerate(zip(grid.axes, (x, y, z), strict=False)):
                    update = updates[i][position]
                    if axis.field == "prompt":  # replacements compose: search in the cell's prompt so far
                        update = _replace(spec, str(axis.values[0]), str(axis.values[position]))
                    spec = spec.model_copy(update=update)
                cells.append(GridCell(len(specs), x, y, z))
                specs.append(spec)
    return specs, cells


def parse_grid_flag(flag: str, position: int) -> GridAxis:
    """`--grid "seed=1,2,3"` as an axis: numbers for seed, steps and guidance; `,` splits the values."""
    field, sep, values = flag.partition("=")
    field = field.strip().lower()
    where = f"grid[{position}]"
    if not sep or field not in GRID_FIELDS:
        raise InvalidInput(where, f"{flag!r} is not an axis; write FIELD=V1,V2,... with FIELD one of {GRID_FIELDS}")
    parts = [part.strip() for part in values.split(",")]
    if not all(parts):
        raise InvalidInput(where, f"{flag!r} has an empty value; separate the values with single commas")
    parsed: list[AxisValue] = []
    for part in parts:
        if field in ("seed", "steps"):
            try:
                parsed.append(int(part))
            except ValueError as exc:
                raise InvalidInput(where, f"{part!r} is not a whole number for {field}") from exc
        elif field == "guidance":
            try:
                parsed.append(float(part))
            except ValueError as exc:
                raise InvalidInput(where, f"{part!r} is not a number for guidance") from exc
        else:
            parsed.append(part)
    try:
        return GridAxis(field=field, values=parsed)  # type: ignore[arg-type]  # checked against GRID_FIELDS
    except ValidationError as exc:
        raise InvalidInput(where, exc.errors()[0]["msg"]) from exc


def cell_of(index: int, sizes: Sequence[int]) -> GridCell:
    """The cell of item `index` in a grid whose axes have `sizes` values."""
    nx = sizes[0]
    ny = sizes[1] if len(sizes) > 1 else 1
    return GridCell(index, index % nx, (index // nx) % ny, index // (nx * ny))


def plan_grid(
    grid: GridSpec,
    specs: Sequence[ImageSpec],
    *,
    defaults: ImageSpec | None,
    count: int,
    settings: Settings,
    styles: StyleBook,
    start_seed: int | None = None,
    rng: random.Random | None = None,
    local_models: bool = True,
    local_files: bool | None = None,
    stored_size: StoredSize | None = None,
) -> list[ImageItem]:
    """The items of a grid job: one per cell of `grid` over the one spec of `specs` (merged over `defaults`).

    The base spec is planned alone first, so its own errors name its own fields (`where` "0", as `plan_items`
    labels them); a grid over several specs, or with `count` over 1, is refused naming `grid`."""
    if len(specs) != 1:
        raise InvalidInput(
            "grid",
            f"a grid varies one image, and the job has {len(specs)} prompts; send one item (or one prompt) with the "
            "grid, or one job per prompt",
        )
    if count != 1:
        raise InvalidInput("grid", f"n is {count}; a grid makes one image per cell: add a seed axis for more seeds")
    if grid.cells > settings.max_items:
        sizes = " x ".join(str(len(axis.values)) for axis in grid.axes)
        raise InvalidInput(
            "grid",
            f"{sizes} = {grid.cells} cells is over the limit of {settings.max_items} items per job (KILN_MAX_ITEMS); "
            "use fewer values",
        )

    def plan(batch: Sequence[ImageSpec]) -> list[ImageItem]:
        return plan_items(
            batch,
            defaults=None,
            settings=settings,
            styles=styles,
            local_models=local_models,
            local_files=local_files,
            stored_size=stored_size,
        )

    base = merge_spec(specs[0], defaults)
    plan_items(
        [specs[0]],
        defaults=defaults,
        settings=settings,
        styles=styles,
        start_seed=start_seed,
        where=str,
        local_models=local_models,
        local_files=local_files,
        stored_size=stored_size,
    )
    cell_specs, _ = grid_specs(grid, base, seed=start_seed, check=lambda spec: plan([spec]), rng=rng)
    check_total(len(cell_specs), 1, settings.max_items, label="grid")
    try:
        return plan(cell_specs)
    except InvalidInput as exc:  # two values each fine alone but not together (a sampler the model lacks)
        raise InvalidInput("grid", f"a combination of the axes' values cannot be made: {exc.message}") from exc


def grid_labels(grid: GridSpec) -> GridLabels:
    """The grid image's labels: each axis' values as `axis_label` shows them."""
    shown = [[axis_label(axis.field, value) for value in axis.values] for axis in grid.axes]
    return GridLabels(*shown)


def compose_grid(grid: GridSpec, images: Sequence[Image.Image | None]) -> tuple[bytes, int, int]:
    """The labelled grid image of `images` (in item order, None where an item has no image) as PNG bytes, with
    its width and height; the axes are kept in the PNG's `kiln-grid` text chunk."""
    image = draw_grid(images, grid_labels(grid))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("kiln-grid", grid.model_dump_json())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue(), image.width, image.height
