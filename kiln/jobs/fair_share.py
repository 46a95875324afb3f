"""Fair share between owners: at the highest priority with claimable work, claims take turns between owners.

Both stores keep this rule (and `tests/store/test_contract_fair_share.py` checks it): a claim first finds the
highest priority among claimable items; when more than one owner (API key; None, auth off, is one owner too) has
pending work at that priority, the owner served least recently goes first: one never served (or whose served jobs
are gone), then the one whose latest claimed unit is the oldest (unit ids sort in the order they were made). That
owner's best item (oldest job, lowest index) leads the unit, which is filled with the same signature from that
owner's items first, then from anyone's (a unit may hold several owners' items of one signature, as before). Every
job with an item in the unit records the unit as its latest (`last_unit`), so all their owners count as served.
Within one owner, and with only one owner waiting, the order is the plain claim order of `kiln.jobs.store`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

__all__ = ["owner_first", "turn_order"]

_T = TypeVar("_T")


def turn_order(served: Mapping[str | None, str | None]) -> list[str | None]:
    """Owners (each with the id of its latest claimed unit, None if never served) least recently served first;
    ties go by owner name, so the order is the same in every store."""
    return sorted(served, key=lambda owner: (served[owner] is not None, served[owner] or "", owner or ""))


def owner_first(owned: Sequence[_T], rest: Sequence[_T]) -> list[_T]:
    """Batch candidates: the owner's own first, then the others not already among them, each list in claim
    order."""
    seen = set(owned)
    return [*owned, *(candidate for candidate in rest if candidate not in seen)]
