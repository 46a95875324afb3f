"""Quotas: what a job costs its owner, the window usage is counted over, and the check both stores make.

The rule, said the same way everywhere (CLI help, README, `/v1/usage`, the 429): a key's quota is a number of
images per rolling 24 hours. An image job costs its items; a motion job the frames a model generates for it
(`kiln.motion.cost`). Usage is a ledger written with the job in one transaction: it counts what was accepted, so
deleting a job gives nothing back, and the check and the record are one atomic step (the stores serialise the
submits of one owner, so concurrent submits can never pass the quota together). A job that fits later is refused
with the seconds until it fits (a 429 with `Retry-After`); a job bigger than the whole quota never fits, so it is
refused as bad input (`OverQuota`, a 422 naming the field that sets its size).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kiln.errors import OverQuota, QuotaExceeded

__all__ = ["QUOTA_RULE", "QUOTA_WINDOW", "Charge", "over_quota", "quota_text", "refusal", "retry_after"]

QUOTA_WINDOW = timedelta(hours=24)
QUOTA_RULE = "images per rolling 24 hours"


@dataclass(frozen=True, slots=True)
class Charge:
    """What a new job costs (`images`), and the owner's quota to check it against (None: unlimited). For a job over
    the whole quota: `field` names the request field that sets its size (`n`, `prompts`, `items.0.frames`), `unit`
    what it counts (`images`, or a motion job's `frames`, each charged as an image)."""

    images: int
    quota: int | None = None
    field: str = "n"
    unit: Literal["images", "frames"] = "images"

    def __post_init__(self) -> None:
        if self.images < 0:
            raise ValueError("a job cannot cost fewer than 0 images")


def quota_text(quota: int | None) -> str:
    """`100 images per rolling 24 hours`, or `unlimited`."""
    return "unlimited" if quota is None else f"{quota} {QUOTA_RULE}"


def retry_after(ledger: Sequence[tuple[datetime, int]], needed: int, quota: int, now: datetime) -> int | None:
    """Whole seconds until enough of `ledger` (the owner's charges in the window, oldest first) has left the
    window for `needed` more images to fit; None when they never can (the request alone is over the quota)."""
    if needed > quota:
        return None
    used = sum(images for _, images in ledger)
    for charged_at, images in ledger:
        used -= images
        if used + needed <= quota:
            # a charge counts while `charged_at >= now - window`: it is gone one instant after `charged_at + window`
            return max(1, math.floor((charged_at + QUOTA_WINDOW - now).total_seconds()) + 1)
    return 1  # unreachable with a consistent ledger: everything leaves the window eventually


def over_quota(charge: Charge) -> OverQuota | None:
    """The error for a job bigger than its whole quota (it can never fit, whatever the usage); None otherwise."""
    quota = charge.quota
    if quota is None or charge.images <= quota:
        return None
    counted = " (each frame a model generates counts as an image)" if charge.unit == "frames" else ""
    message = (
        f"this request needs {charge.images} {charge.unit}, more than the whole quota of {quota_text(quota)}"
        f"{counted}, so it can never fit: lower {charge.field} to need at most {quota}, "
        "or split the work into several jobs"
    )
    return OverQuota(charge.field, message, quota=quota, needed=charge.images)


def refusal(ledger: Sequence[tuple[datetime, int]], charge: Charge, now: datetime) -> QuotaExceeded | OverQuota | None:
    """The error for `charge` against its quota, given the owner's `ledger` in the window; None when it fits."""
    quota = charge.quota
    used = sum(images for _, images in ledger)
    if quota is None or charge.images == 0 or used + charge.images <= quota:
        return None  # a job that generates nothing (an assembly) always fits
    wait = retry_after(ledger, charge.images, quota, now)
    if wait is None:
        return over_quota(charge)
    message = f"quota of {quota_text(quota)}: {used} used in the last 24 hours, this request needs {charge.images}"
    return QuotaExceeded(f"{message}; retry in {wait} s", retry_after=wait)
