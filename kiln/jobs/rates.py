"""The recent rate of each signature: how long the workers took per image, for estimates (`POST /v1/estimate`).

After each unit it ran whole, a worker records the unit's seconds per image under the signature's key
(`kiln.types.Signature.key`). The store keeps one row per signature: an exponentially weighted mean, so the rate
follows a change of device or load within a few units without forgetting everything at once.

Rules both implementations keep (`tests/store/` checks them):
- `record_rate` blends `seconds_per_image` into the signature's rate in one atomic step (many workers record at
  once): the first sample is the rate, each later one moves it by `RATE_WEIGHT` of the difference; `units`
  counts the samples and `updated_at` is the time of the last. A value that is not a finite number >= 0 is a
  `ValueError`, recorded nowhere.
- `signature_rates(keys)` answers the rates of the keys asked for that have one (a key never recorded is absent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

__all__ = ["RATE_WEIGHT", "SignatureRate", "blend", "checked_rate", "next_rate"]

RATE_WEIGHT = 0.25  # the weight of the newest unit: about the last seven units count


@dataclass(frozen=True, slots=True)
class SignatureRate:
    """A signature's recent rate: seconds per image, the units it was learnt from and when it last changed."""

    seconds_per_image: float
    units: int
    updated_at: datetime


def checked_rate(seconds_per_image: float) -> float:
    """`seconds_per_image` as a float; `ValueError` unless it is finite and not negative."""
    value = float(seconds_per_image)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a rate must be a finite number of seconds >= 0, not {seconds_per_image!r}")
    return value


def blend(current: float, sample: float) -> float:
    """The rate after `sample`: the exponentially weighted mean (the SQL store computes the same in SQL)."""
    return current + RATE_WEIGHT * (sample - current)


def next_rate(current: SignatureRate | None, sample: float, now: datetime) -> SignatureRate:
    """The rate after one more unit's `sample` (the memory store's step; SQL takes the same one in SQL)."""
    if current is None:
        return SignatureRate(sample, 1, now)
    return SignatureRate(blend(current.seconds_per_image, sample), current.units + 1, now)
