"""AUTOMATIC1111-compatible infotext: the "parameters" text that A1111, ComfyUI readers and civitai read.

Layout (what A1111 writes and `parse_generation_parameters` reads)::

    <prompt, any number of lines>
    Negative prompt: <negative prompt, any number of lines>     (only when there is one)
    Steps: 30, Sampler: Euler, CFG scale: 7, Seed: 1, Size: 512x768, Model: sd15, Version: kiln 0.1.0

Values holding a comma, colon, quote or newline are JSON-quoted, as A1111's `quote()` does, so they
round-trip. The format itself strips whitespace around each prompt line and drops leading empty lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from kiln import __version__
from kiln.types import ImageItem

__all__ = ["build_infotext", "parse_infotext"]

NEGATIVE_PREFIX = "Negative prompt:"
# A1111's `re_param_code` (modules/infotext_utils.py), unchanged.
_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_KEY = re.compile(r"\w[\w \-/]*\w")
_NEEDS_QUOTE = re.compile(r'[,:"\n\r]')


def build_infotext(
    item: ImageItem,
    *,
    sampler: str,
    model_label: str,
    extra: Mapping[str, str | int | float] | None = None,
) -> str:
    """The A1111 infotext for one image: prompt, negative prompt, then one line of `Key: value` pairs."""
    params: dict[str, str | int | float] = {
        "Steps": item.steps,
        "Sampler": sampler,
        "CFG scale": item.guidance,
        "Seed": item.seed,
        "Size": f"{item.width}x{item.height}",
        "Model": model_label,
    }
    if item.kind == "img2img":
        params["Denoising strength"] = item.strength  # A1111's name and place, after the model
    if item.style:
        params["Style"] = item.style
    params["Version"] = f"kiln {__version__}"
    for key, value in (extra or {}).items():
        if not _KEY.fullmatch(key):
            raise ValueError(f"infotext key {key!r} must be letters, digits, '_', ' ', '-' or '/'")
        if key in params or key in ("Prompt", "Negative prompt"):
            raise ValueError(f"infotext key {key!r} is already written by kiln")
        params[key] = value
    line = ", ".join(f"{key}: {_quote(_format(value))}" for key, value in params.items())
    negative = f"\n{NEGATIVE_PREFIX} {item.negative_prompt}" if item.negative_prompt.strip() else ""
    return f"{item.prompt}{negative}\n{line}".strip()


def parse_infotext(text: str) -> dict[str, str]:
    """Parse infotext as A1111's `parse_generation_parameters` does, without its UI defaults.

    Returns "Prompt", "Negative prompt" and every `Key: value` of the last line, values unquoted and
    kept as written ("Size" stays "512x768"). A last line with fewer than 3 pairs is prompt text.
    """
    *lines, last = text.strip().split("\n")
    if len(_PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    prompt: list[str] = []
    negative: list[str] = []
    for raw in lines:
        line = raw.strip()
        if line.startswith(NEGATIVE_PREFIX):
            negative.append(line[len(NEGATIVE_PREFIX) :].strip())
        elif negative:
            negative.append(line)
        else:
            prompt.append(line)
    result = {"Prompt": _join(prompt), "Negative prompt": _join(negative)}
    for key, value in _PARAM.findall(last):
        result[key] = _unquote(value)
    return result


def _join(lines: list[str]) -> str:
    # A1111 appends "\n" + line only once the text is non-empty, so leading empty lines vanish.
    text = ""
    for line in lines:
        text += ("\n" if text else "") + line
    return text


def _format(value: str | int | float) -> str:
    if isinstance(value, float):
        short = f"{value:g}"  # 7.0 -> "7", 7.5 -> "7.5"; repr only where :g would lose digits
        return short if float(short) == value else repr(value)
    return str(value)


def _quote(value: str) -> str:
    if not value or value != value.strip() or _NEEDS_QUOTE.search(value):
        return json.dumps(value, ensure_ascii=False)
    return value


def _unquote(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    try:
        loaded = json.loads(value)
    except ValueError:
        return value
    return loaded if isinstance(loaded, str) else value
