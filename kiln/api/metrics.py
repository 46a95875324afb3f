"""Prometheus metrics read from the store at scrape time: jobs and items by state, and the queue depth.

Jobs are counted by paging through `list_jobs` (the store protocol has no aggregate query yet), so a scrape
costs one query per 200 jobs; `MAX_JOBS_SCANNED` bounds it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from kiln.jobs.lifecycle import ITEM_STATES
from kiln.jobs.store import JobStore

__all__ = ["MAX_JOBS_SCANNED", "StoreCollector", "metrics_registry"]

JOB_STATES = ("queued", "running", "completed", "failed", "canceled")
MAX_JOBS_SCANNED = 100_000
_PAGE = 200


class StoreCollector(Collector):
    """Gauges computed from the store on every collection."""

    def __init__(self, store: JobStore) -> None:
        self._store = store

    def _counts(self) -> tuple[Counter[str], Counter[str]]:
        jobs: Counter[str] = Counter()
        items: Counter[str] = Counter()
        before: str | None = None
        scanned = 0
        while scanned < MAX_JOBS_SCANNED:
            page = self._store.list_jobs(limit=_PAGE, before=before)
            for job in page:
                jobs[job.state] += 1
                items.update(job.counts)
            scanned += len(page)
            if len(page) < _PAGE:
                break
            before = page[-1].id
        return jobs, items

    def collect(self) -> Iterator[Metric]:
        jobs, items = self._counts()
        job_gauge = GaugeMetricFamily("kiln_jobs", "Jobs by state", labels=["state"])
        for state in JOB_STATES:
            job_gauge.add_metric([state], jobs.get(state, 0))
        item_gauge = GaugeMetricFamily("kiln_items", "Items of all jobs by state", labels=["state"])
        for state in ITEM_STATES:
            item_gauge.add_metric([state], items.get(state, 0))
        queue = GaugeMetricFamily("kiln_queue_depth", "Pending items waiting for a worker")
        queue.add_metric([], self._store.pending_count())
        yield job_gauge
        yield item_gauge
        yield queue


def metrics_registry(store: JobStore) -> CollectorRegistry:
    """A registry of its own (not the process-global one) holding the store collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return registry
