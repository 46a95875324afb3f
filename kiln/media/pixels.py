"""The pixel limit of input images, checked on the header alone.

A PNG of 30000 x 30000 pixels can be 100 KB on the wire and 2.7 GB once decoded (a decompression bomb). Every
place that takes an image from a caller (an img2img `init_image`, a video's `image`, a task's inputs, a download)
asks `check_pixels` first: Pillow reads the size from the header, nothing is decoded, and an image over
`KILN_MAX_INPUT_PIXELS` is refused naming the field and the limit. Pillow's own bomb guard (an error from about
179 megapixels) is reported the same way.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from kiln.config import Settings
from kiln.errors import InvalidInput

__all__ = ["DEFAULT_MAX_PIXELS", "check_pixels", "image_size"]

DEFAULT_MAX_PIXELS: int = Settings.model_fields["max_input_pixels"].default


def check_pixels(source: str | Path | bytes, *, max_pixels: int, field: str, name: str) -> bool:
    """Whether `source` (a file or its bytes) is an image, judged by its header; `InvalidInput(field, ...)`
    naming it as `name` when it has more than `max_pixels` pixels. Not an image (audio, video, junk): False."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:  # the header only
                width, height = image.size
    except Image.DecompressionBombError:
        too_large = f"{name} has more pixels than Pillow will open"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    else:
        if width * height <= max_pixels:
            return True
        too_large = f"{name} is {width}x{height} = {width * height:,} pixels"
    raise InvalidInput(
        field,
        f"{too_large}, over the limit of {max_pixels:,} pixels for input images (KILN_MAX_INPUT_PIXELS); "
        "send a smaller image",
    )


def image_size(source: str | Path | bytes) -> tuple[int, int] | None:
    """An image's (width, height) from its header alone; None when it is not an image Pillow reads."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                width, height = image.size
    except (Image.DecompressionBombError, UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return width, height
