"""On a GPU box: `kiln serve`'s supervisor starts one real worker per GPU, each seeing only its own device."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.jobs.records import FINAL_JOB_STATES, JobRecord, NewJob
from kiln.jobs.sql.migrate import migrate
from kiln.jobs.sql.store import SqlStore
from kiln.worker.supervisor import WorkerSupervisor, detect_gpus
from tests.conditions import wait_until
from tests.helpers import make_item

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.slow,
    pytest.mark.skipif(not detect_gpus(), reason="needs a CUDA GPU (nvidia-smi or CUDA_VISIBLE_DEVICES)"),
]


def environ(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


def test_one_worker_per_gpu(tmp_path: Path) -> None:
    gpus = detect_gpus()
    settings = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out", preload_model=False)
    url = settings.resolved_database_url()
    migrate(url)
    store = SqlStore(url)
    job = store.create_job(NewJob(), [make_item(i) for i in range(4 * len(gpus))])
    supervisor = WorkerSupervisor(settings, env={"HF_HUB_OFFLINE": "1"})
    assert supervisor.size == len(gpus)
    supervisor.start()
    try:

        def running() -> list[int] | None:
            pids = supervisor.pids
            return [pid for pid in pids if pid is not None] if all(pids) else None

        pids = wait_until(running, timeout=30, what="the workers")
        assert [environ(pid)["CUDA_VISIBLE_DEVICES"] for pid in pids] == gpus

        def finished() -> JobRecord | None:
            record = store.get_job(job.id)
            return record if record is not None and record.state in FINAL_JOB_STATES else None

        final = wait_until(finished, timeout=300, interval=0.5, what="the job")
    finally:
        supervisor.stop()
        store.close()
    assert final.state == "completed" and final.counts["done"] == 4 * len(gpus)
