"""Progress through the SDK against the real API over HTTP: a canceled job's progress is the work it did."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kiln.sdk import Client, JobStatus
from tests.conditions import wait_until
from tests.sdk.server import LiveServer, live_server


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("kiln-sdk-progress")) as live:
        yield live


def test_a_canceled_job_reports_its_work_and_its_canceled_items(server: LiveServer) -> None:
    server.worker.gate = threading.Semaphore(3)  # the worker makes three images, then waits
    try:
        with Client(server.url, api_key=server.key, timeout=20, backoff=0.01) as kiln:
            job = kiln.submit_job([f"a fox, take {i}" for i in range(10)], defaults={"width": 64, "height": 64})

            def three_done() -> JobStatus | None:
                status = job.refresh()
                return status if status.counts.done == 3 else None

            wait_until(three_done, timeout=30, interval=0.02, what="three images")
            canceled = job.cancel()
            assert canceled.state == "canceled" and canceled.counts.canceled == 7 and canceled.counts.done == 3
            assert canceled.progress == pytest.approx(0.3)  # was 1.0
            assert "30%" in repr(job)
            assert job.refresh().progress == pytest.approx(0.3)
    finally:
        server.worker.gate = None
