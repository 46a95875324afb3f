"""A local folder as artifact storage: atomic writes, and no path may leave the root."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath

from kiln.errors import InvalidInput

__all__ = ["LocalStorage", "safe_relative_path"]


def safe_relative_path(relative: str, field: str = "prefix") -> PurePosixPath:
    """A relative path that cannot climb out of its root: no absolute paths, no `..`, no empty parts."""
    path = PurePosixPath(relative.replace("\\", "/"))
    if path.is_absolute() or any(part in ("..", "") for part in path.parts) or relative.startswith("~"):
        raise InvalidInput(field, f"{relative!r} must be a relative path inside the output folder, without '..'")
    return path


class LocalStorage:
    """Files under one root folder. A file is either absent or complete: writes go to a temporary file that is
    renamed into place, so a crash never leaves half an image."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, relative: str) -> Path:
        return self.root.joinpath(*safe_relative_path(relative, "path").parts)

    def exists(self, relative: str) -> bool:
        return self.path(relative).is_file()

    def write(self, relative: str, data: bytes) -> Path:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()
