"""The `kiln` that the docs test puts first on PATH: the real command, made cheaper where that changes what a run
costs and not what it does.

- `kiln generate`, `video` and `animate` (not `animate control`) that set no steps get `--steps 4`;
- those that set no size (no `--width`, `--height`, `--aspect`, `--megapixels`) and take it from no input
  (`--image`, `--init-image`, `--from`: their sizes follow the input or its rows) get 64x64.
"""

from __future__ import annotations

import os
import sys

__all__ = ["SIZE", "STEPS", "cheaper", "main"]

STEPS = 4  # img2img strengths down to 0.25 still make a step (an edit with less is refused)
SIZE = 64
_GENERATING = ("generate", "video", "animate")
_SIZED = ("--width", "--height", "--aspect", "--megapixels", "--image", "--init-image", "--from")


def _gives(args: list[str], *options: str) -> bool:
    return any(arg == option or arg.startswith(f"{option}=") for arg in args for option in options)


def cheaper(args: list[str]) -> list[str]:
    """`kiln`'s arguments with the additions above."""
    if args[:1] == [] or args[0] not in _GENERATING or args[1:2] == ["control"]:
        return args
    added = [] if _gives(args, "--steps") else ["--steps", str(STEPS)]
    if not _gives(args, *_SIZED):
        added += ["--width", str(SIZE), "--height", str(SIZE)]
    return [*args, *added]


def main() -> None:
    args = cheaper(sys.argv[1:])
    os.execv(sys.executable, [sys.executable, "-m", "kiln.cli", *args])


if __name__ == "__main__":
    main()
