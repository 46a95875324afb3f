"""What a planned images job would take: its batches as the claims would cut them, and its seconds from the
workers' recent rate per signature (`kiln.jobs.rates`). Pure: the route reads the store and the registry.

Batches: items group by signature, and each group is cut into units of at most the job's `micro_batch` and the
workers' own (`kiln.jobs.lifecycle.unit_cap`): the smallest one a live worker reports, else `KILN_MICRO_BATCH`;
with neither, one batch per signature. Seconds: each signature's items times its rate, summed: one worker's
time, the queue ahead not counted. Unknown (None) while any signature of the job has no rate yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiln.api.schemas.status import Estimate, SignatureEstimate
from kiln.jobs.estimates import cost_of, signature_plans
from kiln.jobs.lifecycle import unit_cap
from kiln.jobs.rates import SignatureRate
from kiln.jobs.workers import WorkerRecord
from kiln.types import ImageItem, Signature

__all__ = ["BatchSize", "batch_size", "estimate"]


@dataclass(frozen=True, slots=True)
class BatchSize:
    """The most items a unit of the job would hold (None: no limit known) and where that comes from, in words."""

    limit: int | None
    source: str


def batch_size(job_micro_batch: int | None, live: Sequence[WorkerRecord], configured: int | None) -> BatchSize:
    """The unit size of a job asking for `job_micro_batch`, served by the `live` workers (`configured`: the
    server's `KILN_MICRO_BATCH`, for when no live worker says)."""
    reported = [w.info.get("micro_batch") for w in live]
    sizes = [size for size in reported if isinstance(size, int) and not isinstance(size, bool) and size >= 1]
    workers, source = (min(sizes), "the live workers' micro-batch") if sizes else (configured, "KILN_MICRO_BATCH")
    if workers is None:
        if job_micro_batch is None:
            return BatchSize(None, "no live worker reports its micro-batch")
        return BatchSize(job_micro_batch, "the job's micro_batch")
    limit = unit_cap(workers, job_micro_batch)
    return BatchSize(limit, source if limit == workers else "the job's micro_batch")


def estimate(
    items: Sequence[ImageItem],
    *,
    size: BatchSize,
    rates: Mapping[str, SignatureRate],
    queue_ahead: int,
    cost_per_gpu_hour: float | None = None,
) -> Estimate:
    """The estimate of `items` (planned, at least one) under `rates` (by `Signature.key()`); seconds count the
    images generated (identical items once) and `cost` prices them at `cost_per_gpu_hour`."""
    plans = signature_plans(items, size.limit, rates)
    batches = sum(plan.batches for plan in plans)
    generated = sum(plan.generated for plan in plans)
    rows = [
        SignatureEstimate(
            label=plan.signature.label(), key=plan.key, items=plan.items, generated=plan.generated,
            batches=plan.batches, seconds_per_image=plan.rate.seconds_per_image if plan.rate else None,
            seconds=plan.seconds,
        )
        for plan in plans
    ]  # fmt: skip
    cut = "one batch per signature" if size.limit is None else f"batches of up to {size.limit}"
    batching = f"{cut} ({size.source})"
    unknown = [plan.signature for plan in plans if plan.rate is None]
    if unknown:
        return Estimate(
            items=len(items),
            batches=batches,
            seconds=None,
            seconds_per_image=None,
            basis=f"unknown: {_not_run(unknown, len(plans))}; {batching}",
            queue_ahead_items=queue_ahead,
            generated=generated,
            signatures=rows,
        )
    seconds = sum(plan.seconds or 0.0 for plan in plans)
    units = sum(plan.rate.units for plan in plans if plan.rate is not None)
    signatures = "its signature" if len(plans) == 1 else f"each of its {len(plans)} signatures"
    same = f", {len(items) - generated} identical items generated once" if generated < len(items) else ""
    return Estimate(
        items=len(items),
        batches=batches,
        seconds=seconds,
        seconds_per_image=seconds / len(items),
        basis=f"the workers' recent seconds per image of {signatures} (learnt from {units} units), one worker's "
        f"time without the queue ahead; {batching}{same}",
        queue_ahead_items=queue_ahead,
        generated=generated,
        cost=cost_of(seconds, cost_per_gpu_hour),
        signatures=rows,
    )


def _not_run(unknown: Sequence[Signature], total: int) -> str:
    first = unknown[0].label()
    if len(unknown) == 1:
        return f"no worker has run {first} yet" if total == 1 else f"no worker has run {first} (1 of {total}) yet"
    return f"no worker has run {first} nor {len(unknown) - 1} more of the job's {total} signatures yet"
