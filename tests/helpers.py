"""Small builders for tests."""

from __future__ import annotations

from typing import Any

from kiln.types import ImageItem


def make_item(index: int = 0, **fields: Any) -> ImageItem:
    """An item for the tiny SD model at 64x64, 2 steps, unless fields say otherwise."""
    values: dict[str, Any] = {
        "index": index,
        "prompt": f"a small red house number {index}",
        "negative_prompt": "",
        "user_prompt": f"a small red house number {index}",
        "model": "tiny-sd",
        "width": 64,
        "height": 64,
        "steps": 2,
        "guidance": 7.0,
        "seed": 1000 + index,
    }
    values.update(fields)
    return ImageItem(**values)
