"""Folder names a user chooses (a job's or a run's `prefix`): one rule, said in every refusal.

A prefix is folder names joined by "/". Each must be non-empty, not start with "." (no ".", "..", or hidden
folders), "-" (read as an option by shell tools) or "~" (a home folder to a shell), have no leading or trailing
whitespace, no control character and no backslash (a separator on Windows), and be at most 255 bytes in UTF-8 (what
file systems hold). Every other character is fine, non-ASCII letters included ("ä" * 100).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from kiln.errors import InvalidInput

__all__ = ["FOLDER_NAME_RULE", "MAX_NAME_BYTES", "check_folder_names"]

# NAME_MAX of ext4, XFS, btrfs, APFS (UTF-8 bytes: what Linux counts). A whole prefix is at most 255 characters
# (the request schema), so 1,020 bytes: a key (owner, job id, prefix, file name) stays far under PATH_MAX (4096).
MAX_NAME_BYTES = 255
FOLDER_NAME_RULE = (
    "folder names are joined by '/'; each must be non-empty, not start with '.', '-' or '~', have no leading or "
    f"trailing whitespace, no control character or backslash, and be at most {MAX_NAME_BYTES} bytes in UTF-8"
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _problem(name: str) -> str | None:
    """What is wrong with one folder name, or None."""
    if not name:
        return "is empty (a leading, trailing or doubled '/')"
    if name[0] in ".-~":
        return f"starts with {name[0]!r}"
    if name != name.strip():
        return "has leading or trailing whitespace"
    if found := _CONTROL.search(name):
        return f"holds the control character {found.group()!r}"
    if "\\" in name:
        return "holds a backslash"
    if (size := len(name.encode("utf-8", "surrogatepass"))) > MAX_NAME_BYTES:
        return f"is {size} bytes in UTF-8"
    return None


def check_folder_names(prefix: str, field: str = "prefix") -> PurePosixPath:
    """`prefix` as a relative path if every folder name of it keeps the rule (see the module); `InvalidInput`
    naming `field`, the folder name and the rule otherwise."""
    for name in prefix.split("/"):
        problem = _problem(name)
        if problem is not None:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise InvalidInput(field, f"the folder name {shown!r} {problem}; {FOLDER_NAME_RULE}")
    return PurePosixPath(prefix)
