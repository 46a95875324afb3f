"""A run folder: the plan of a CLI run and its manifest, so that running the same command again resumes.

`<out>/<prefix>/plan.json` holds every item with its seed (random seeds too) and a fingerprint of the request;
`manifest.jsonl` has one line per finished image. An image file is complete or absent (storage writes are atomic),
so a file on disk is a finished item even if the process died before its manifest line was written.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kiln.errors import InvalidInput, RunConflict
from kiln.storage.local import LocalStorage, safe_relative_path
from kiln.storage.names import check_folder_names
from kiln.types import ImageItem

__all__ = ["DEFAULT_FILENAME_TEMPLATE", "MANIFEST_FILE", "PLAN_FILE", "RunFolder", "render_filename"]

PLAN_FILE = "plan.json"
MANIFEST_FILE = "manifest.jsonl"
DEFAULT_FILENAME_TEMPLATE = "{index:05d}_{seed}.{ext}"
_EXTENSIONS = {"png": "png", "webp": "webp", "jpeg": "jpg", "avif": "avif"}
_TEMPLATE_FIELDS = ("index", "seed", "ext", "name", "model", "width", "height", "steps", "style")


def _template_values(item: ImageItem) -> dict[str, Any]:
    return {
        "index": item.index,
        "seed": item.seed,
        "ext": _EXTENSIONS[item.output_format],
        "name": item.name or f"{item.index:05d}",
        "model": item.model.replace("/", "_"),
        "width": item.width,
        "height": item.height,
        "steps": item.steps,
        "style": (item.style or "none").replace(" ", "_"),
    }


def render_filename(template: str, item: ImageItem) -> str:
    """A file name from a template such as `{index:05d}_{seed}.{ext}` (fields: see `_TEMPLATE_FIELDS`)."""
    used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    unknown = used - set(_TEMPLATE_FIELDS)
    if unknown:
        raise InvalidInput(
            "filename",
            f"unknown field {{{sorted(unknown)[0]}}} in {template!r}; use {', '.join(_TEMPLATE_FIELDS)}",
        )
    try:
        name = template.format(**_template_values(item))
    except (ValueError, IndexError) as exc:
        raise InvalidInput("filename", f"template {template!r} cannot be filled: {exc}") from exc
    safe_relative_path(name, "filename")
    return name


class RunFolder:
    """The plan and manifest of one run, and which of its items are finished."""

    def __init__(self, storage: LocalStorage, prefix: str, items: Sequence[ImageItem], template: str) -> None:
        self.storage = storage
        self.prefix = check_folder_names(prefix).as_posix() if prefix else ""
        self.items = list(items)
        self.template = template
        self.files = {item.index: render_filename(template, item) for item in self.items}
        if len(set(self.files.values())) != len(self.files):
            raise InvalidInput("filename", f"template {template!r} gives two items the same file name; add {{index}}")
        self._entries: dict[int, dict[str, Any]] = {}

    @property
    def folder(self) -> Path:
        return self.storage.root / self.prefix

    def relative(self, item: ImageItem) -> str:
        return f"{self.prefix}/{self.files[item.index]}" if self.prefix else self.files[item.index]

    @classmethod
    def open(
        cls,
        storage: LocalStorage,
        prefix: str,
        items: Sequence[ImageItem],
        *,
        fingerprint: str,
        template: str = DEFAULT_FILENAME_TEMPLATE,
    ) -> RunFolder:
        """Start a run, or resume the one in the folder if it was made by the same request."""
        probe = cls(storage, prefix, items, template)
        plan_path = probe.folder / PLAN_FILE
        if plan_path.is_file():
            plan = json.loads(plan_path.read_text())
            if plan.get("fingerprint") != fingerprint:
                raise RunConflict(
                    f"{probe.folder} holds a different run (see its {PLAN_FILE}); "
                    "use another --prefix, or delete that folder to start over"
                )
            run = cls(storage, prefix, [ImageItem.from_dict(d) for d in plan["items"]], plan["template"])
        else:
            run = probe
            body = {
                "fingerprint": fingerprint,
                "template": template,
                "items": [i.to_dict() for i in run.items],
            }
            storage.write(f"{run.prefix}/{PLAN_FILE}" if run.prefix else PLAN_FILE, json.dumps(body).encode())
        run._load_manifest()
        return run

    def _manifest_path(self) -> Path:
        return self.folder / MANIFEST_FILE

    def _load_manifest(self) -> None:
        path = self._manifest_path()
        damaged = False
        if path.is_file():
            for line in path.read_text().splitlines():
                try:
                    entry = json.loads(line)
                    self._entries[int(entry["index"])] = entry
                except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                    damaged = True  # a line cut short by a crash; its file (if any) is recovered below
        recovered = [i for i in self.items if i.index not in self._entries and self.storage.exists(self.relative(i))]
        for item in recovered:
            self._entries[item.index] = self._entry(item, {"recovered": True})
        if damaged or recovered:
            lines = "".join(json.dumps(e) + "\n" for e in sorted(self._entries.values(), key=lambda e: e["index"]))
            self.storage.write(f"{self.prefix}/{MANIFEST_FILE}" if self.prefix else MANIFEST_FILE, lines.encode())

    def _entry(self, item: ImageItem, extra: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "index": item.index,
            "file": self.files[item.index],
            "seed": item.seed,
            "prompt": item.user_prompt,
            "style": item.style,
            "model": item.model,
            "width": item.width,
            "height": item.height,
            "steps": item.steps,
            "guidance": item.guidance,
            "name": item.name,
            **extra,
        }

    def is_done(self, item: ImageItem) -> bool:
        return item.index in self._entries

    def pending(self) -> list[ImageItem]:
        return [item for item in self.items if item.index not in self._entries]

    @property
    def done_count(self) -> int:
        return len(self._entries)

    def record(self, finished: Sequence[tuple[ImageItem, Mapping[str, Any]]]) -> None:
        """Note finished items (their files already written) with manifest lines made durable at once."""
        entries = [self._entry(item, extra) for item, extra in finished]
        path = self._manifest_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(entry) + "\n" for entry in entries))
            handle.flush()
            os.fsync(handle.fileno())
        for entry in entries:
            self._entries[int(entry["index"])] = entry
