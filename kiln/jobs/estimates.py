"""What planned image items would take, per signature: items, the images really generated (identical items of one
request are generated once: `ImageItem.dedupe`), batches as claims cut them, seconds from each signature's recorded
rate, and a cost from the price of a GPU hour. Pure: `POST /v1/estimate` and `kiln generate --dry-run` read the
rates and call it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiln.jobs.rates import SignatureRate
from kiln.types import ImageItem, Signature

__all__ = ["SignaturePlan", "cost_of", "generated_count", "signature_plans"]


@dataclass(frozen=True, slots=True)
class SignaturePlan:
    """One signature of a job: its items, the images generated for them, batches and recorded rate."""

    signature: Signature
    key: str
    items: int
    generated: int
    batches: int
    rate: SignatureRate | None

    @property
    def seconds(self) -> float | None:
        return None if self.rate is None else self.generated * self.rate.seconds_per_image


def generated_count(items: Sequence[ImageItem]) -> int:
    """The images a worker generates for `items`: one per distinct recipe among those with `dedupe`, one each for
    the rest."""
    distinct = {item.recipe_key() for item in items if item.dedupe}
    return len(distinct) + sum(1 for item in items if not item.dedupe)


def signature_plans(
    items: Sequence[ImageItem], limit: int | None, rates: Mapping[str, SignatureRate]
) -> list[SignaturePlan]:
    """The signatures of `items` in order of first use; batches of at most `limit` items (None: one batch each)."""
    groups: dict[Signature, list[ImageItem]] = {}
    for item in items:
        groups.setdefault(item.signature(), []).append(item)
    plans = []
    for signature, members in groups.items():
        key = signature.key()
        batches = 1 if limit is None else math.ceil(len(members) / limit)
        plans.append(SignaturePlan(signature, key, len(members), generated_count(members), batches, rates.get(key)))
    return plans


def cost_of(seconds: float | None, per_gpu_hour: float | None) -> float | None:
    """The price of `seconds` of one GPU at `per_gpu_hour` (KILN_COST_PER_GPU_HOUR); None when either is unknown."""
    if seconds is None or per_gpu_hour is None:
        return None
    return round(seconds / 3600 * per_gpu_hour, 6)
