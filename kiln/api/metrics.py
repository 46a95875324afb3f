"""Prometheus metrics read at scrape time from one `JobStore.stats()` call and the worker registry.

- `kiln_jobs{state}`, `kiln_items{state}`, `kiln_queue_depth`: gauges from the store.
- `kiln_images_generated_total`: artifacts in the store (deleting jobs lowers it, as a counter reset would).
- `kiln_storage_errors_total`: files the workers could not store (a full or read-only disk), counted by the store
  (`StoreStats.storage_errors`) since the workers run in other processes.
- `kiln_item_seconds`: a histogram of the run time (claim to done) of the items done in the last hour, built
  at each scrape from the store's durations; a window, not a running total, so read it with
  `histogram_quantile` directly rather than through `rate()`.
- `kiln_workers`: live workers, and `kiln_pool_workers{pool}` by pool (`kiln.jobs.pools`: the models a worker
  serves, comma-separated, `*` for every model); `kiln_model_loads_total`: models loaded by them, summed from
  their beats; `kiln_gpu_memory_bytes{worker}`: torch's CUDA allocation of each live worker on a GPU.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from kiln.jobs.lifecycle import ITEM_STATES, JOB_STATES
from kiln.jobs.pools import pool_counts
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry

__all__ = ["ITEM_SECONDS_BUCKETS", "WINDOW_SECONDS", "StoreCollector", "histogram_buckets", "metrics_registry"]

ITEM_SECONDS_BUCKETS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
WINDOW_SECONDS = 3600.0
MAX_DURATIONS = 5000


def histogram_buckets(values: Sequence[float], bounds: Sequence[float]) -> list[tuple[str, float]]:
    """Cumulative `(le, count)` pairs for `values`, ending with `+Inf`."""
    ordered = sorted(values)
    buckets = [(str(bound), float(bisect_right(ordered, bound))) for bound in bounds]
    return [*buckets, ("+Inf", float(len(ordered)))]


class StoreCollector(Collector):
    """Metrics computed from the store and the live workers on every collection."""

    def __init__(self, store: JobStore, workers: WorkerRegistry | None, live_seconds: float) -> None:
        self._store = store
        self._workers = workers
        self._live_seconds = live_seconds

    def collect(self) -> Iterator[Metric]:
        stats = self._store.stats(window_seconds=WINDOW_SECONDS, max_durations=MAX_DURATIONS)
        jobs = GaugeMetricFamily("kiln_jobs", "Jobs by state", labels=["state"])
        for job_state in JOB_STATES:
            jobs.add_metric([job_state], stats.jobs.get(job_state, 0))
        items = GaugeMetricFamily("kiln_items", "Items of all jobs by state", labels=["state"])
        for item_state in ITEM_STATES:
            items.add_metric([item_state], stats.items.get(item_state, 0))
        yield jobs
        yield items
        yield GaugeMetricFamily("kiln_queue_depth", "Pending items waiting for a worker", value=stats.pending)
        yield CounterMetricFamily("kiln_images_generated", "Images generated (artifacts stored)", value=stats.images)
        yield CounterMetricFamily(
            "kiln_storage_errors",
            "Files the workers could not store (each counts an attempt of its item)",
            value=stats.storage_errors,
        )
        yield HistogramMetricFamily(
            "kiln_item_seconds",
            "Run time of the items done in the last hour, from claim to done (a window, not a running total)",
            buckets=histogram_buckets(stats.item_seconds, ITEM_SECONDS_BUCKETS),
            sum_value=sum(stats.item_seconds),
        )
        yield from self._worker_metrics()

    def _worker_metrics(self) -> Iterator[Metric]:
        live = self._workers.live_workers(self._live_seconds) if self._workers is not None else []
        yield GaugeMetricFamily("kiln_workers", "Workers that beat recently", value=len(live))
        pools = GaugeMetricFamily(
            "kiln_pool_workers",
            "Workers that beat recently by pool (models, comma-separated; * every model)",
            labels=["pool"],
        )
        for pool, count in pool_counts(live).items():
            pools.add_metric([pool], count)
        yield pools
        loads = sum(_number(worker.info.get("model_loads")) for worker in live)
        yield CounterMetricFamily("kiln_model_loads", "Models loaded by the live workers", value=loads)
        memory = GaugeMetricFamily("kiln_gpu_memory_bytes", "CUDA memory allocated by torch", labels=["worker"])
        for worker in live:
            allocated = worker.info.get("gpu_memory_bytes")
            if isinstance(allocated, int | float) and not isinstance(allocated, bool):
                memory.add_metric([worker.worker_id], allocated)
        yield memory


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def metrics_registry(store: JobStore, workers: WorkerRegistry | None, live_seconds: float) -> CollectorRegistry:
    """A registry of its own (not the process-global one) holding the store collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store, workers, live_seconds))
    return registry
