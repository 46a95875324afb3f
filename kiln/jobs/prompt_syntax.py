"""Prompt variations: `{a|b|c}` picks one alternative, `__name__` one line of the wildcard file `name.txt`.

The rules (the same for the CLI, the API and the studio, since the planner applies them):
- `{a|b|c}`: one of the alternatives, each of which may hold more syntax (`{a {red|blue} car|a bus}` nests).
  `{a}` is a choice of one (it gives `a`); `{}`, an alternative-less brace, is refused, as is a brace left open or
  closed twice: the error names the field and the character position.
- Braces nest at most `MAX_NESTING` deep.
- `__name__`: a line of `<wildcards folder>/name.txt` (`kiln.jobs.wildcards`); a line may hold syntax too.
- `\\{`, `\\}`, `\\|`, `\\_` and `\\\\` write the character itself; `|` outside braces is plain text.
- Picks are deterministic: the n-th pick of a field is a hash of (seed, field, n), so one seed and one template
  always give one prompt (on any machine and Python), and the items of a run, whose seeds differ, vary.
Every alternative and every wildcard a template can reach is checked when it is parsed, so an error never depends
on which seed a job drew.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

from kiln.errors import InvalidInput

__all__ = ["MAX_NESTING", "Choice", "PromptTemplate", "Wildcard", "WildcardSource", "parse_template"]

_ESCAPABLE = frozenset("{}|_\\")
_WILDCARD = re.compile(r"__([A-Za-z0-9.\-/][A-Za-z0-9_\-./]*?)__", re.ASCII)
MAX_DEPTH = 8  # wildcards inside wildcards, at most this deep (a file naming itself is caught here)
MAX_OPTIONS = 10_000  # alternatives in one brace
MAX_NESTING = 32  # braces inside braces: each level recurses when parsing, checking and expanding


class WildcardSource(Protocol):
    """Where `__name__` finds its lines (`kiln.jobs.wildcards.WildcardFolder`)."""

    def lines(self, name: str, field: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Choice:
    """`{a|b|c}`: one alternative, each a sequence of nodes."""

    options: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True, slots=True)
class Wildcard:
    """`__name__`: one line of the named wildcard file."""

    name: str


Node = str | Choice | Wildcard


class _Parser:
    def __init__(self, text: str, field: str, source: str) -> None:
        self.text = text
        self.field = field
        self.source = source  # where the text is, for errors: "" (the field itself) or a wildcard's line
        self.at = 0
        self.depth = 0  # braces open around the current position

    def error(self, message: str) -> InvalidInput:
        return InvalidInput(self.field, message.replace("{at}", self.source))

    def sequence(self, inside: int | None) -> tuple[list[tuple[Node, ...]], int]:
        """Nodes up to the end (top level) or to the `}` closing the brace at `inside`; alternatives split at `|`.
        Returns the alternatives and the position after the closing brace."""
        options: list[tuple[Node, ...]] = []
        nodes: list[Node] = []
        literal: list[str] = []

        def flush() -> None:
            if literal:
                nodes.append("".join(literal))
                literal.clear()

        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char == "\\" and self.at + 1 < len(text) and text[self.at + 1] in _ESCAPABLE:
                literal.append(text[self.at + 1])
                self.at += 2
            elif char == "{":
                flush()
                start = self.at
                if self.depth == MAX_NESTING:
                    raise self.error(
                        f'"{{" at character {start + 1}{{at}} makes braces nest over {MAX_NESTING} deep; flatten them'
                    )
                self.at += 1
                self.depth += 1
                alternatives, self.at = self.sequence(start)
                self.depth -= 1
                if alternatives == [()]:
                    raise self.error(
                        f'"{{}}" at character {start + 1}{{at}} has no alternatives; write {{a|b}}, or \\{{\\}} for '
                        "literal braces"
                    )
                if len(alternatives) > MAX_OPTIONS:
                    raise self.error(f"the brace at character {start + 1}{{at}} has over {MAX_OPTIONS} alternatives")
                nodes.append(Choice(tuple(alternatives)))
            elif char == "}":
                if inside is None:
                    raise self.error(
                        f'"}}" at character {self.at + 1}{{at}} closes no "{{"; remove it, or write \\}} for a '
                        "literal brace"
                    )
                flush()
                options.append(tuple(nodes))
                return options, self.at + 1
            elif char == "|" and inside is not None:
                flush()
                options.append(tuple(nodes))
                nodes = []
                self.at += 1
            elif char == "_" and (found := _WILDCARD.match(text, self.at)) is not None:
                flush()
                nodes.append(Wildcard(found.group(1)))
                self.at = found.end()
            else:
                literal.append(char)
                self.at += 1
        if inside is not None:
            raise self.error(
                f'"{{" at character {inside + 1}{{at}} is never closed; add "}}", or write \\{{ for a literal brace'
            )
        flush()
        options.append(tuple(nodes))
        return options, self.at


def _parse(text: str, field: str, source: str = "") -> tuple[Node, ...]:
    [nodes], _ = _Parser(text, field, source).sequence(None)
    return nodes


class _Picker:
    """The n-th pick of one field for one seed: sha256(seed, field, n) modulo the number of options."""

    def __init__(self, seed: int, field: str) -> None:
        self._prefix = f"{seed}:{field}:"
        self._count = 0

    def __call__(self, options: int) -> int:
        digest = hashlib.sha256(f"{self._prefix}{self._count}".encode()).digest()
        self._count += 1
        return int.from_bytes(digest[:8], "big") % options


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A parsed prompt (or negative prompt) with its wildcards; `expand(seed)` gives the text of one item."""

    text: str
    field: str
    nodes: tuple[Node, ...]
    wildcards: dict[str, tuple[tuple[Node, ...], ...]]  # name -> its lines, parsed

    @property
    def varies(self) -> bool:
        """Whether the template holds any syntax (else it is its text, minus escapes)."""
        return any(not isinstance(node, str) for node in self.nodes)

    def expand(self, seed: int) -> str:
        pick = _Picker(seed, self.field)
        return self._render(self.nodes, pick)

    def _render(self, nodes: tuple[Node, ...], pick: _Picker) -> str:
        parts: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                parts.append(node)
            elif isinstance(node, Choice):
                parts.append(self._render(node.options[pick(len(node.options))], pick))
            else:
                lines = self.wildcards[node.name]
                parts.append(self._render(lines[pick(len(lines))], pick))
        return "".join(parts)


def parse_template(text: str, field: str, wildcards: WildcardSource | None) -> PromptTemplate:
    """`text` parsed, every wildcard it can reach loaded and parsed (to `MAX_DEPTH`); `InvalidInput` naming
    `field` for a brace out of place, an unknown wildcard, or wildcards nested too deep."""
    nodes = _parse(text, field)
    loaded: dict[str, tuple[tuple[Node, ...], ...]] = {}
    checked: dict[str, int] = {}  # name -> the shallowest depth its lines were checked from

    def visit(nodes: tuple[Node, ...], path: tuple[str, ...]) -> None:
        for node in nodes:
            if isinstance(node, Choice):
                for option in node.options:
                    visit(option, path)
                continue
            if isinstance(node, str):
                continue
            chain = " -> ".join(f"__{name}__" for name in (*path, node.name))
            if node.name in path:
                raise InvalidInput(field, f"wildcard __{node.name}__ names itself ({chain}); break the loop")
            if len(path) >= MAX_DEPTH:
                raise InvalidInput(field, f"wildcards nest more than {MAX_DEPTH} deep ({chain})")
            if checked.get(node.name, MAX_DEPTH + 1) <= len(path):
                continue  # checked from this deep or deeper: nothing new to find
            if node.name not in loaded:
                if wildcards is None:
                    raise InvalidInput(field, f"__{node.name}__ is a wildcard, and no wildcard folder is set")
                lines = wildcards.lines(node.name, field)
                loaded[node.name] = tuple(
                    _parse(line, field, f" of {line!r} in wildcard __{node.name}__") for line in lines
                )
            for line in loaded[node.name]:
                visit(line, (*path, node.name))
            checked[node.name] = len(path)

    visit(nodes, ())
    return PromptTemplate(text, field, nodes, loaded)
