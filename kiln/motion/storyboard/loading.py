"""Reading a storyboard from YAML (PyYAML, safe loader) or JSON, with errors that say where the problem is.

Every problem becomes one `InvalidInput` whose `where` names the file, the 1-based line and, inside a scene, the
scene by number (from 1) and id, and whose `field` is the path inside it:
`story.yaml, line 12: scene #3 'harbour': shot.zoom.0: ...`.
Relative paths in the manifest (the music track) are taken from the manifest's folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kiln.errors import InvalidInput
from kiln.motion.storyboard.manifest import Storyboard
from kiln.motion.storyboard.shots import SHOT_KINDS
from kiln.motion.yaml_lines import line_of, syntax_problem

__all__ = ["load_storyboard", "parse_storyboard"]

_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def load_storyboard(path: str | Path) -> Storyboard:
    """The storyboard in a `.yaml`/`.yml` or `.json` file; relative paths in it are relative to the file."""
    source = Path(path)
    if not source.is_file():
        raise InvalidInput("storyboard", f"{source} does not exist; give the path of a .yaml or .json storyboard")
    text = source.read_text(encoding="utf-8")
    data = _parse_json(text, source.name) if source.suffix.lower() == ".json" else _parse_yaml(text, source.name)
    return parse_storyboard(data, base_dir=source.resolve().parent, source=source.name, text=text)


def parse_storyboard(
    data: object, *, base_dir: Path | None = None, source: str = "storyboard", text: str | None = None
) -> Storyboard:
    """A storyboard from already parsed data (e.g. a job's JSON body); `base_dir` anchors relative paths; `text`,
    the file it was read from, lets errors name their line."""
    if not isinstance(data, Mapping):
        raise InvalidInput("storyboard", "expected a mapping with title, defaults and scenes at the top", where=source)
    try:
        return Storyboard.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise _invalid(exc, data, source, text) from None


def _parse_yaml(text: str, source: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput("storyboard", f"{syntax_problem(exc)}; fix the YAML there", where=source) from None


def _parse_json(text: str, source: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            "storyboard", f"line {exc.lineno}, column {exc.colno}: {exc.msg}; fix the JSON there", where=source
        ) from None


def _invalid(exc: ValidationError, data: Mapping[str, Any], source: str, text: str | None) -> InvalidInput:
    """The first error of `exc` as an `InvalidInput` naming the line, the scene (number and id) and the field."""
    errors = exc.errors()
    # a misspelt field explains the "missing" error of the field it was meant to be: report it first
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location = list(error["loc"])
    line = line_of(text, location) if text is not None else None
    where = source if line is None else f"{source}, line {line}"
    if len(location) >= 2 and location[0] == "scenes" and isinstance(location[1], int):
        where = f"{where}: {_scene_label(data.get('scenes'), location[1])}"
        location = location[2:]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "is not a storyboard field here; check its spelling and where it is"
    elif error["type"] == "missing":
        message = "is required; add it"
    return InvalidInput(_field_path(location) or "storyboard", message, where=where)


def _scene_label(scenes: object, index: int) -> str:
    label = f"scene #{index + 1}"
    if isinstance(scenes, Sequence) and not isinstance(scenes, str) and index < len(scenes):
        scene = scenes[index]
        if isinstance(scene, Mapping) and isinstance(scene.get("id"), str):
            label += f" {scene['id']!r}"
    return label


def _field_path(location: Sequence[int | str]) -> str:
    """`shot.zoom.0` from pydantic's location, without its union tags (`ken_burns`, `constrained-float`)."""
    parts: list[str] = []
    for part in location:
        if isinstance(part, int):
            parts.append(str(part))
        elif parts[-1:] == ["shot"] and part in SHOT_KINDS:
            continue  # the discriminator's tag: the shot's kind, not a field
        elif _FIELD_NAME.fullmatch(part):
            parts.append(part)
    return ".".join(parts)
