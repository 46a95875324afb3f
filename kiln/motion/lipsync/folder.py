"""A lip-sync's work folder: the face boxes, the finished frames and a log of what each attempt did (no torch).

`faces.json` keeps the inputs' key and the smoothed boxes, so a resumed run pastes into the same places. Frames are
made in chunks (one network batch each): a chunk's frames go to `frames/` as PNG (lossless), then its
`chunks/<n>.json` is written atomically, last; a chunk without its JSON is made again. Every run of the folder is
an attempt (`attempts.json` counts them) and `log.jsonl` gets one line per chunk made, naming the attempt, so a
resumed run can be shown to redo nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from kiln.media.faces import Box

__all__ = ["SyncFolder"]


def _write_json(path: Path, data: Any) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data))
    os.replace(temporary, path)


class SyncFolder:
    """`root` holds one lip-sync; a folder made for other inputs is cleared first."""

    def __init__(self, root: Path, key: str) -> None:
        self.root, self.key = root, key
        if self._stored_key() not in (None, key):
            shutil.rmtree(root)
        for sub in ("frames", "chunks"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        counter = root / "attempts.json"
        self.attempt = (json.loads(counter.read_text())["count"] if counter.is_file() else 0) + 1
        _write_json(counter, {"count": self.attempt})

    def _stored_key(self) -> str | None:
        faces = self.root / "faces.json"
        return str(json.loads(faces.read_text())["key"]) if faces.is_file() else None

    def boxes(self) -> list[Box] | None:
        faces = self.root / "faces.json"
        if not faces.is_file():
            return None
        return [Box(*box) for box in json.loads(faces.read_text())["boxes"]]

    def save_boxes(self, boxes: list[Box]) -> None:
        _write_json(self.root / "faces.json", {"key": self.key, "boxes": [box.to_list() for box in boxes]})

    def frame_path(self, index: int) -> Path:
        return self.root / "frames" / f"{index:06d}.png"

    def has_chunk(self, number: int) -> bool:
        return (self.root / "chunks" / f"{number:05d}.json").is_file()

    def finish_chunk(self, number: int, start: int, end: int) -> None:
        """Marks frames `start..end-1` (already saved) as done, and logs them under this attempt."""
        _write_json(self.root / "chunks" / f"{number:05d}.json", {"start": start, "end": end})
        with (self.root / "log.jsonl").open("a") as log:
            log.write(json.dumps({"attempt": self.attempt, "chunk": number, "start": start, "end": end}) + "\n")
            log.flush()
            os.fsync(log.fileno())
