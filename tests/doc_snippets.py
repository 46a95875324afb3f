"""The runnable snippets of a Markdown file: fenced `bash` (or `sh`, `shell`) blocks split into commands, `python`
blocks whole, and blocks that name a file (```` ```yaml file=plan.yaml ````) to be written before what follows.
Every other block is illustrative (`text`, `json`, ...) and not run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Snippet", "snippets", "split_commands", "unlabelled_fences"]

SHELLS = frozenset({"bash", "sh", "shell"})
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>[A-Za-z_][A-Za-z0-9_]*)\1")
_FILE = re.compile(r"(?:^|\s)file=(?P<name>\S+)")


@dataclass(frozen=True, slots=True)
class Snippet:
    """One thing to run (or write), with where it is: `kind` is `bash` (one command), `python` (a whole block)
    or `file` (`name` gets `text`)."""

    doc: Path
    line: int
    kind: Literal["bash", "python", "file"]
    text: str
    name: str = ""

    @property
    def where(self) -> str:
        return f"{self.doc.name}:{self.line}"


@dataclass(frozen=True, slots=True)
class _Block:
    line: int  # of the block's first line of content
    info: str
    lines: list[str]


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, start = opening["fence"], index + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        blocks.append(_Block(start + 1, opening["info"].strip(), lines[start:end]))
        index = end + 1
    return blocks


def unlabelled_fences(doc: Path) -> list[int]:
    """Lines of fenced blocks that name no language: neither runnable nor marked illustrative."""
    return [block.line - 1 for block in _blocks(doc.read_text()) if not block.info]


def split_commands(lines: list[str], first_line: int = 1) -> list[tuple[int, str]]:
    """Commands of a shell block with their line numbers: backslash continuations joined, a here-document kept with
    its command, blank and comment-only lines dropped."""
    commands: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        start, line = index, lines[index]
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [line]
        while parts[-1].endswith("\\") and index < len(lines):
            parts.append(lines[index])
            index += 1
        heredoc = _HEREDOC.search(parts[-1])
        if heredoc is not None:
            while index < len(lines):
                parts.append(lines[index])
                index += 1
                if parts[-1].strip() == heredoc["word"]:
                    break
        commands.append((first_line + start, "\n".join(parts)))
    return commands


def snippets(doc: Path) -> list[Snippet]:
    """Everything runnable in `doc`, in reading order."""
    found: list[Snippet] = []
    for block in _blocks(doc.read_text()):
        language = block.info.split()[0].lower() if block.info else ""
        named = _FILE.search(block.info)
        if named is not None:
            found.append(Snippet(doc, block.line, "file", "\n".join(block.lines) + "\n", named["name"]))
        elif language in SHELLS:
            found += [Snippet(doc, line, "bash", command) for line, command in split_commands(block.lines, block.line)]
        elif language == "python":
            found.append(Snippet(doc, block.line, "python", "\n".join(block.lines) + "\n"))
    return found
