"""The wildcard folder: `__name__` in a prompt is one line of `<folder>/name.txt`.

One option a line; blank lines and lines starting with `#` are skipped. A name may hold `/` for subfolders
(`__people/artists__` is `people/artists.txt`) but never leaves the folder: names are letters, digits, `_`, `-` and
`.` between single slashes, never `.` or `..` or a part that starts with a dot, and the file found must resolve
(links followed) inside the folder. Errors name the setting (`KILN_WILDCARDS_DIR`), not the server's paths, since
API callers read them.
"""

from __future__ import annotations

import re
from pathlib import Path

from kiln.errors import InvalidInput

__all__ = ["MAX_WILDCARD_BYTES", "WildcardFolder"]

MAX_WILDCARD_BYTES = 4 * 1024 * 1024
_PART = re.compile(r"[A-Za-z0-9_\-][A-Za-z0-9_\-.]*", re.ASCII)
_SETTING = "the wildcard folder (KILN_WILDCARDS_DIR; kiln generate --wildcards DIR)"


class WildcardFolder:
    """Reads wildcard files once per planning (cached by name)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[str, list[str]] = {}

    def _path(self, name: str, field: str) -> Path:
        parts = name.split("/")
        if not all(_PART.fullmatch(part) for part in parts):
            raise InvalidInput(
                field,
                f"__{name}__ is not a wildcard name: use letters, digits, _, - and . with / between folders "
                "(no empty part, no part starting with a dot, no ..)",
            )
        root = self.root.resolve()
        path = root.joinpath(*parts[:-1], parts[-1] + ".txt").resolve()
        if not path.is_relative_to(root):  # a link inside the folder pointing out of it
            raise InvalidInput(field, f"wildcard __{name}__ leads out of {_SETTING}; it cannot be used")
        return path

    def lines(self, name: str, field: str) -> list[str]:
        """The options of wildcard `name`; `InvalidInput` naming `field` when it is unknown, empty or unreadable."""
        if name in self._cache:
            return self._cache[name]
        path = self._path(name, field)
        try:
            found = path.is_file()
        except OSError:  # a name the file system refuses (too long, say) names no wildcard
            found = False
        if not found:
            shown = name if len(name) <= 100 else f"{name[:100]}..."
            raise InvalidInput(field, f"unknown wildcard __{shown}__: there is no {shown}.txt in {_SETTING}")
        try:
            if path.stat().st_size > MAX_WILDCARD_BYTES:
                raise InvalidInput(field, f"wildcard __{name}__ is over {MAX_WILDCARD_BYTES // 2**20} MiB")
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(field, f"wildcard __{name}__ is not UTF-8 text") from exc
        except OSError as exc:
            raise InvalidInput(field, f"wildcard __{name}__ cannot be read ({type(exc).__name__})") from exc
        options = [line.strip() for line in text.splitlines()]
        options = [line for line in options if line and not line.startswith("#")]
        if not options:
            raise InvalidInput(field, f"wildcard __{name}__ has no options (one a line; # starts a comment)")
        self._cache[name] = options
        return options
