"""`kiln generate --dry-run`: the planned run's items, signatures, batches, predicted seconds and cost, and nothing
generated. Seconds come from each signature's recorded rate: the job store's (what `kiln serve`/`kiln worker`
record), else the local runs' (`<data_dir>/local_rates.json`); unknown until one of them ran the signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.jobs.estimates import cost_of, generated_count, signature_plans
from kiln.jobs.local_rates import LocalRates
from kiln.jobs.rates import SignatureRate
from kiln.types import ImageItem

__all__ = ["dry_run", "known_rates", "local_rates"]

_CPU_MICRO_BATCH = 16  # the engine's default on the CPU (kiln.engine.device), without importing torch


def local_rates(settings: Settings) -> LocalRates:
    return LocalRates(settings.data_dir / "local_rates.json")


def known_rates(settings: Settings, keys: set[str]) -> dict[str, SignatureRate]:
    """The workers' rates from the job store where it exists and answers, else (per key) the local runs'."""
    found = dict(local_rates(settings).read())
    url = settings.resolved_database_url()
    if settings.database_url is not None or (settings.data_dir / "kiln.db").is_file():
        try:
            from kiln.jobs.sql import SqlStore

            store = SqlStore(url)
            try:
                found.update(store.signature_rates(keys))
            finally:
                store.close()
        except Exception:  # no store (never migrated, unreachable): the local rates alone
            pass
    return {key: rate for key, rate in found.items() if key in keys}


def dry_run(console: Console, items: Sequence[ImageItem], settings: Settings) -> None:
    """Print what generating `items` would take."""
    limit = settings.micro_batch or _CPU_MICRO_BATCH
    rates: Mapping[str, SignatureRate] = known_rates(settings, {item.signature().key() for item in items})
    plans = signature_plans(items, limit, rates)
    table = Table(
        "signature", "items", "generated", "batches", "s/image", "seconds", title="Dry run: nothing generated"
    )
    for plan in plans:
        rate = f"{plan.rate.seconds_per_image:.4f}" if plan.rate else "unknown"
        seconds = f"{plan.seconds:.1f}" if plan.seconds is not None else "unknown"
        table.add_row(plan.signature.label(), str(plan.items), str(plan.generated), str(plan.batches), rate, seconds)
    console.print(table)
    known = all(plan.rate is not None for plan in plans)
    total = sum(plan.seconds or 0.0 for plan in plans) if known else None
    cost = cost_of(total, settings.cost_per_gpu_hour)
    seconds = f"{total:.1f} s" if total is not None else "unknown seconds (no run of every signature yet)"
    priced = f", cost {cost:.4f}" if cost is not None else ""
    console.print(
        f"items: {len(items)}  generated: {generated_count(items)}  signatures: {len(plans)}  "
        f"batches: {sum(p.batches for p in plans)} (of up to {limit})  predicted: {seconds}{priced}",
        highlight=False,
        soft_wrap=True,
    )
