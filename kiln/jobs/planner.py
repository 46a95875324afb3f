"""The planner: expands image specs into fully resolved items (style applied, size resolved, seed assigned).

Rules, per spec merged over the shared defaults (a spec's fields that are set and not None win):
- model: the spec's, else `settings.default_model`; its family supplies every other default (a remote model,
  `replicate:…` or `openai:…`, `kiln.remote.models.REMOTE`'s, once its backend is configured). With
  `local_models=False` (requests over HTTP) a spec may name built-in and hub ids only, or the default model
  itself: folders and files are the server's to configure.
- steps: explicit, else the quality preset, else the family default; 1..family.max_steps.
- negative prompt: the style's joined with the user's. A family without negative prompts drops the style's
  and refuses the user's, so nobody believes a negative prompt did something.
- size: see `kiln.jobs.sizing.resolve_size`.
- seed: the spec's (+k for the k-th of its `count` copies), else `start_seed` + the item's index in the
  run, else drawn from `rng` in 0..2**32-1. Every item records its seed, so any image can be made again.
- img2img: an `init_image` makes the item img2img with `strength` (default 0.75); see `kiln.jobs.img2img`.
- inpainting: a `mask` or an `outpaint` with the init image makes the item `inpaint`; see `kiln.jobs.inpaint`.
- output: png unless given; quality 95 for png (lossless, the number is unused) and 90 for jpeg/webp/avif.
- variations: `{a|b}` and `__name__` in the prompt and the negative prompt are expanded per item from its seed
  (`kiln.jobs.prompt_syntax`, wildcards from `settings.resolved_wildcards_dir()`), before the style is applied;
  the item keeps what the user wrote in `prompt_template`/`negative_template`.
Errors are `InvalidInput` naming the field, with `where` from the caller's labels ("scenes.jsonl line 7").
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from kiln.config import Settings
from kiln.engine.catalog import ModelInfo, resolve_model
from kiln.errors import InvalidInput
from kiln.jobs.control import plan_control
from kiln.jobs.hires import plan_hires
from kiln.jobs.img2img import plan_img2img
from kiln.jobs.inpaint import DEFAULT_INPAINT_STRENGTH, StoredSize, base_size, margins, plan_inpaint
from kiln.jobs.loras import plan_loras, take_lora_tags
from kiln.jobs.prompt_syntax import PromptTemplate, parse_template
from kiln.jobs.sizing import resolve_size
from kiln.jobs.spec import MAX_SEED, ImageSpec
from kiln.jobs.wildcards import WildcardFolder
from kiln.presets.quality import resolve_steps
from kiln.presets.styles import Style, StyleBook, join_negatives
from kiln.remote.models import remote_model
from kiln.types import ImageItem, OutputFormat

__all__ = [
    "DEFAULT_FORMAT",
    "DEFAULT_OUTPUT_QUALITY",
    "RANDOM_SEED_LIMIT",
    "check_total",
    "merge_spec",
    "plan_items",
]

DEFAULT_FORMAT: OutputFormat = "png"
DEFAULT_OUTPUT_QUALITY: Mapping[OutputFormat, int] = MappingProxyType({"png": 95, "jpeg": 90, "webp": 90, "avif": 90})
RANDOM_SEED_LIMIT = 2**32


def check_total(specs: int, count: int, max_items: int, *, label: str = "prompts") -> None:
    """Refuse more than `max_items` items, naming what to cut: the list of `label` when it alone is too long,
    else `n` (the copies of each)."""
    if specs > max_items:
        raise InvalidInput(
            label,
            f"{specs} {label} are over the limit of {max_items} items per job (KILN_MAX_ITEMS); "
            "split them into several jobs",
        )
    if specs * count > max_items:
        raise InvalidInput(
            "n",
            f"{specs} prompt(s) x {count} = {specs * count} images is over the limit of {max_items} items per "
            "job (KILN_MAX_ITEMS); split the job or ask for fewer",
        )


def merge_spec(spec: ImageSpec, defaults: ImageSpec | None) -> ImageSpec:
    """`spec` over `defaults`: every field the spec set to a value wins; the rest come from `defaults`."""
    if defaults is None:
        return spec
    update = {name: getattr(spec, name) for name in spec.model_fields_set if getattr(spec, name) is not None}
    return defaults.model_copy(update=update)


def _located(exc: InvalidInput, where: str) -> InvalidInput:
    """A copy of `exc` (same class) that says where the bad input came from."""
    located = InvalidInput.__new__(type(exc))
    InvalidInput.__init__(located, exc.field, exc.message, where=where)
    return located


@dataclass(frozen=True, slots=True)
class _Variations:
    """The prompt and negative prompt templates of a spec that holds variations, applied per item (by its seed)."""

    prompt: PromptTemplate
    negative: PromptTemplate | None
    style: Style | None
    style_negative: str | None  # None: the family takes no negative prompt

    def apply(self, item: ImageItem) -> ImageItem:
        user_prompt = self.prompt.expand(item.seed).strip()
        if not user_prompt:
            raise InvalidInput(
                "prompt",
                f"{self.prompt.text!r} is empty once expanded for seed {item.seed}; give every alternative text",
            )
        negative = item.negative_prompt
        if self.style_negative is not None:
            user_negative = self.negative.expand(item.seed) if self.negative is not None else None
            negative = join_negatives(self.style_negative, user_negative)
        return replace(
            item,
            prompt=self.style.render(user_prompt) if self.style else user_prompt,
            user_prompt=user_prompt,
            negative_prompt=negative,
            prompt_template=self.prompt.text if self.prompt.varies else None,
            negative_template=self.negative.text if self.negative is not None and self.negative.varies else None,
        )


class _Resolver:
    """Turns one merged spec into an item template (index and seed still 0) and its variations, if any; caches model
    lookups and wildcard files."""

    def __init__(
        self,
        settings: Settings,
        styles: StyleBook,
        local_models: bool,
        local_files: bool,
        stored_size: StoredSize | None = None,
    ) -> None:
        self._settings = settings
        self._styles = styles
        self._local_models = local_models
        self._local_files = local_files
        self._stored_size = stored_size
        self._models: dict[str, ModelInfo] = {}
        self._wildcards = WildcardFolder(settings.resolved_wildcards_dir())

    def _model(self, name: str) -> ModelInfo:
        if name not in self._models:
            local = self._local_models or name.strip() == self._settings.default_model.strip()
            self._models[name] = remote_model(name, self._settings) or resolve_model(name, local=local)
        return self._models[name]

    def __call__(self, spec: ImageSpec) -> tuple[ImageItem, _Variations | None]:
        if not spec.prompt.strip():
            raise InvalidInput("prompt", "the prompt is empty; write what the image should show")
        info = self._model(spec.model or self._settings.default_model)
        family = info.family
        steps = resolve_steps(family, spec.steps, spec.quality)
        user_negative = join_negatives(spec.negative_prompt)
        if user_negative and not family.supports_negative:
            raise InvalidInput("negative_prompt", f"{family.name} does not use a negative prompt; remove it")
        style = self._styles.get(spec.style) if spec.style is not None else None
        prompt_text, tagged_loras = take_lora_tags(spec.prompt)  # `<lora:name:w>` applies a LoRA, unseen by the model
        if not prompt_text:
            raise InvalidInput("prompt", "the prompt holds only LoRA tags; write what the image should show")
        prompt_template = parse_template(prompt_text, "prompt", self._wildcards)
        negative_template = parse_template(user_negative, "negative_prompt", self._wildcards) if user_negative else None
        variations = None
        if prompt_template.varies or (negative_template is not None and negative_template.varies):
            style_negative = (style.negative if style else "") if family.supports_negative else None
            variations = _Variations(prompt_template, negative_template, style, style_negative)
        user_prompt = prompt_template.expand(0)  # the text itself, escapes resolved (variations: per item, later)
        if negative_template is not None:
            user_negative = negative_template.expand(0)
        prompt = style.render(user_prompt) if style else user_prompt
        negative = ""
        if family.supports_negative:
            negative = join_negatives(style.negative if style else None, user_negative)
        width, height = resolve_size(
            family, width=spec.width, height=spec.height, aspect=spec.aspect, megapixels=spec.megapixels
        )
        scheduler = (spec.scheduler or "default").strip().lower()
        if scheduler not in family.schedulers:
            choices = ", ".join(family.schedulers)
            message = f"{family.name} cannot use {scheduler!r}; choose one of: {choices}"
            raise InvalidInput("scheduler", message)
        output_format = spec.format or DEFAULT_FORMAT
        inpainting = spec.mask is not None or spec.outpaint is not None
        if inpainting and spec.init_image is None:
            plan_inpaint(init_image=None, mask=spec.mask, outpaint=margins(spec.outpaint), width=0, height=0,
                         family=family, max_pixels=0)  # fmt: skip
        img2img = plan_img2img(
            spec.init_image,
            DEFAULT_INPAINT_STRENGTH if inpainting and spec.strength is None else spec.strength,
            steps,
            local=self._local_files,
            max_pixels=self._settings.max_input_pixels,
        )
        loras = plan_loras(
            spec.loras or (),
            tagged_loras,
            family=family.name,
            folder=self._settings.resolved_lora_dir(),
            local=self._local_models,
        )
        control = plan_control(
            spec.control,
            family=family.name,
            img2img=img2img.kind == "img2img",
            local=self._local_files,
            max_pixels=self._settings.max_input_pixels,
        )
        inpaint = None
        if inpainting and img2img.init_image is not None:
            sized = any(value is not None for value in (spec.width, spec.height, spec.aspect, spec.megapixels))
            base = None if sized else base_size(img2img.init_image, family, self._stored_size)
            width, height = base or (width, height)
            inpaint = plan_inpaint(
                init_image=img2img.init_image, mask=spec.mask, outpaint=margins(spec.outpaint), width=width,
                height=height, family=family, max_pixels=self._settings.max_input_pixels,
            )  # fmt: skip
            width, height = inpaint.width, inpaint.height
        if spec.hires is not None:
            kind = "inpaint" if inpaint is not None else img2img.kind
            plan_hires(spec.hires, kind=kind, width=width, height=height, steps=steps, family=family,
                       settings=self._settings, local=self._local_models)  # fmt: skip
        return ImageItem(
            index=0,
            prompt=prompt,
            negative_prompt=negative,
            user_prompt=user_prompt,
            model=info.location,
            width=width,
            height=height,
            steps=steps,
            guidance=family.default_guidance if spec.guidance is None else spec.guidance,
            seed=0,
            style=style.name if style else None,
            quality=spec.quality if spec.steps is None else None,
            scheduler=scheduler,
            output_format=output_format,
            output_quality=spec.output_quality or DEFAULT_OUTPUT_QUALITY[output_format],
            name=spec.name,
            kind="inpaint" if inpaint is not None else img2img.kind,
            init_image=img2img.init_image,
            strength=img2img.strength,
            loras=loras,
            control=control,
            mask=inpaint.mask if inpaint is not None else None,
            outpaint=inpaint.outpaint if inpaint is not None else None,
            hires_scale=spec.hires.scale if spec.hires is not None else None,
            hires_strength=spec.hires.strength if spec.hires is not None else 0.5,
            hires_upscaler=spec.hires.upscaler if spec.hires is not None else None,
        ), variations


def plan_items(
    specs: Sequence[ImageSpec],
    *,
    defaults: ImageSpec | None,
    settings: Settings,
    styles: StyleBook,
    start_seed: int | None = None,
    count: int = 1,
    rng: random.Random | None = None,
    where: Callable[[int], str] | None = None,
    local_models: bool = True,
    local_files: bool | None = None,
    stored_size: StoredSize | None = None,
) -> list[ImageItem]:
    """Expand `specs` into `len(specs) * count` items, indexed 0..N-1, a spec's copies next to each other.

    `where(position)` labels the spec at `position` in errors (e.g. `labels.__getitem__`). `rng` draws the
    seeds nobody chose; pass a seeded `random.Random` for a reproducible plan. `local_models=False` refuses
    model folders and files other than the default model; `local_files` (default: `local_models`) allows
    `init_image` paths (the API passes True once it has turned its callers' uploads into `storage:<key>`);
    `stored_size` reads a stored init image's size, for an inpaint or outpaint that gives none.
    """
    if not specs:
        raise InvalidInput("prompt", "nothing to generate; give at least one prompt")
    if count < 1:
        raise InvalidInput("n", f"{count} is not a number of images; use 1 or more")
    check_total(len(specs), count, settings.max_items)
    if start_seed is not None and not 0 <= start_seed <= MAX_SEED:
        raise InvalidInput("seed", f"{start_seed} is not a seed; use 0 to {MAX_SEED}")
    rng = rng or random.Random()
    local_files = local_models if local_files is None else local_files
    resolve = _Resolver(settings, styles, local_models, local_files, stored_size)
    items: list[ImageItem] = []
    for position, spec in enumerate(specs):
        merged = merge_spec(spec, defaults)
        try:
            template, variations = resolve(merged)
            for copy in range(count):
                index = len(items)
                if merged.seed is not None:
                    seed = (merged.seed + copy) % (MAX_SEED + 1)
                elif start_seed is not None:
                    seed = (start_seed + index) % (MAX_SEED + 1)
                else:
                    seed = rng.randrange(RANDOM_SEED_LIMIT)
                item = replace(template, index=index, seed=seed)
                items.append(variations.apply(item) if variations is not None else item)
        except InvalidInput as exc:
            if where is None or exc.where is not None:
                raise
            raise _located(exc, where(position)) from exc
    return items
