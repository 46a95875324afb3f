"""Where a problem is in a YAML (or JSON) file the user wrote: the 1-based line of a field, and syntax errors with
their line and column, so an error names the file and the line to fix (`story.yaml, line 12: scene #3 …`)."""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["line_of", "syntax_problem"]


def line_of(text: str, location: Sequence[int | str]) -> int | None:
    """The 1-based line of the field at `location` (mapping keys and list indices, as pydantic reports them) in
    the YAML `text`: its key's line, else that of the nearest enclosing field the text has. Parts that name no key
    (a union's tag, a field that is missing) are skipped. None when the text does not parse."""
    try:
        node: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in location:
        if isinstance(node, MappingNode) and isinstance(part, str):
            found = next(
                (pair for pair in node.value if isinstance(pair[0], ScalarNode) and pair[0].value == part), None
            )
            if found is not None:
                line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def syntax_problem(exc: yaml.YAMLError) -> str:
    """A PyYAML error as `line L, column C: problem` (1-based), the form JSON errors take too."""
    mark = getattr(exc, "problem_mark", None)
    at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{at}{getattr(exc, 'problem', None) or exc}"
