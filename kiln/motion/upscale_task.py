"""`run_upscale`: the task runner of `kind: upscale` (and `kiln upscale`): the image checked against the pixel
limits by its header, upscaled with the upscaler (`kiln.engine.upscalers`), written as `upscaled.<format>`.
One step, so a rerun on the same `work_dir` returns the file already made."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from kiln.config import Settings
from kiln.engine.upscaler_names import BUILTIN_UPSCALERS
from kiln.errors import Cancelled, InvalidInput
from kiln.media.pixels import check_pixels, image_size
from kiln.motion.task import ModelSource, TaskControl, TaskOutput
from kiln.motion.upscale_request import UpscaleRequest

__all__ = ["check_upscale_size", "run_upscale"]

_TYPES = {"png": "image/png", "webp": "image/webp", "jpeg": "image/jpeg", "avif": "image/avif"}
ASSUMED_SCALE = 4  # an upscaler file's scale before it is loaded (most ESRGANs are 4x); the worker checks again


def check_upscale_size(size: tuple[int, int], request: UpscaleRequest, max_output_pixels: int, field: str) -> None:
    """Refuse an upscale whose result would be over `max_output_pixels` (KILN_MAX_OUTPUT_PIXELS), naming `field`."""
    builtin = BUILTIN_UPSCALERS.get(request.upscaler)
    scale = request.scale or (builtin["scale"] if builtin else ASSUMED_SCALE)
    width, height = round(size[0] * scale), round(size[1] * scale)
    if width * height > max_output_pixels:
        raise InvalidInput(
            field,
            f"a {size[0]}x{size[1]} image at {scale:g}x is {width}x{height}, over the limit of {max_output_pixels:,} "
            "pixels (KILN_MAX_OUTPUT_PIXELS); give a smaller image or scale",
        )


def run_upscale(
    request: UpscaleRequest, *, models: ModelSource, work_dir: Path, control: TaskControl
) -> list[TaskOutput]:
    """Upscale `request.image` (a local file by now) into `work_dir`."""
    from kiln.engine.device import plan_device
    from kiln.engine.upscalers import load_upscaler, upscale_image

    settings = Settings()
    target = work_dir / f"upscaled.{request.format}"
    if not target.is_file():
        source = Path(request.image)
        name = source.name
        if not source.is_file():
            raise InvalidInput("image", f"{name} does not exist; give the path of an image file")
        if not check_pixels(source, max_pixels=settings.max_input_pixels, field="image", name=name):
            raise InvalidInput("image", f"cannot read {name} as an image; use a PNG, JPEG or WebP")
        size = image_size(source)
        assert size is not None
        check_upscale_size(size, request, settings.max_output_pixels, "image")
        control.progress(0, 1, "loading the upscaler")
        upscaler = load_upscaler(
            request.upscaler,
            folder=settings.resolved_upscalers_dir(),
            builtin_dir=settings.data_dir / "builtin",
            device=plan_device(settings).device,
        )
        if control.should_stop():
            raise Cancelled("canceled before the upscale started")
        with Image.open(source) as image:
            result = upscale_image(
                upscaler, image, scale=request.scale, tile=request.tile, steps=request.steps, prompt=request.prompt
            )
        work_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        result.save(partial, format=request.format.upper())
        partial.replace(target)
        control.progress(1, 1, "upscaled")
    width, height = image_size(target) or (None, None)
    name = f"{request.name or Path(request.image).stem}.{request.format}"
    return [
        TaskOutput(
            path=target,
            content_type=_TYPES[request.format],
            name=name,
            width=width,
            height=height,
            metadata={"kind": "upscale", "upscaler": request.upscaler, "scale": request.scale, "tile": request.tile},
        )
    ]
