"""The record of a finished assembly (`assembly.json` in its folder): what was made, from which request and files.

A run on the same folder with the same request, the same input files (size and modification time) and the same
speech engine finds its outputs here and returns them without rendering again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from kiln.motion.assembly.request import AssemblyRequest
from kiln.motion.task import TaskOutput

__all__ = ["RECORD", "finished_outputs", "request_fingerprint", "write_record"]

RECORD = "assembly.json"


def request_fingerprint(request: AssemblyRequest, speech_engine: str | None) -> str:
    """Identifies the request and the state of its input files (an edited image renders again)."""
    files = [shot.source for shot in request.shots] + ([request.music.path] if request.music else [])
    stats = [(str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in files]
    body = [request.model_dump(mode="json"), stats, speech_engine]
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def finished_outputs(work_dir: Path, fingerprint: str) -> list[TaskOutput] | None:
    """The outputs of an earlier run with this fingerprint, if its record and all its files are still there."""
    try:
        record = json.loads((work_dir / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != fingerprint:
        return None
    outputs = [TaskOutput(**{**item, "path": work_dir / item["name"]}) for item in record["outputs"]]
    return outputs if all(output.path.is_file() for output in outputs) else None


def write_record(work_dir: Path, fingerprint: str, outputs: list[TaskOutput]) -> None:
    """Records the outputs (files in `work_dir`, by name), whole or not at all."""
    items = [{key: value for key, value in asdict(output).items() if key != "path"} for output in outputs]
    partial = work_dir / f"{RECORD}.partial"
    partial.write_text(json.dumps({"fingerprint": fingerprint, "outputs": items}, indent=1))
    os.replace(partial, work_dir / RECORD)
