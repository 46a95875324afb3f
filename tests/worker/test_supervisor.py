"""The worker supervisor with tiny fake worker processes: devices, restarts with backoff, graceful stops."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.worker.supervisor import WorkerSupervisor, detect_gpus, plan_workers, settings_env, worker_command
from tests.conditions import wait_until

# A stand-in worker: logs "<pid> <CUDA_VISIBLE_DEVICES> <KILN_LEASE_SECONDS>", dies on its first run, and
# afterwards runs until SIGTERM (logging "term <pid>") unless told to ignore it.
FAKE_WORKER = """
import os, signal, sys, time
log = sys.argv[1]
with open(log, "a") as f:
    f.write(f"{os.getpid()} {os.environ.get('CUDA_VISIBLE_DEVICES')} {os.environ.get('KILN_LEASE_SECONDS')}\\n")
if sum(1 for _ in open(log)) == 1:
    sys.exit(3)
def term(*_):
    with open(log, "a") as f:
        f.write(f"term {os.getpid()}\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[2] == "ignore" else term)
while True:
    time.sleep(0.05)
"""


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "workers.log"


def test_gpus_come_from_cuda_visible_devices_or_nvidia_smi(tmp_path: Path) -> None:
    assert detect_gpus({"CUDA_VISIBLE_DEVICES": "0,1"}) == ["0", "1"]
    assert detect_gpus({"CUDA_VISIBLE_DEVICES": "GPU-8a1b, 3"}) == ["GPU-8a1b", "3"]
    assert detect_gpus({"CUDA_VISIBLE_DEVICES": ""}) == []
    assert detect_gpus({"CUDA_VISIBLE_DEVICES": "-1"}) == []
    assert detect_gpus({"CUDA_VISIBLE_DEVICES": "2,-1,3"}) == ["2"]  # CUDA stops at the first invalid entry
    smi = tmp_path / "nvidia-smi"
    smi.write_text(
        "#!/bin/sh\necho 'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaa)'\n"
        "echo '  MIG 1g.10gb Device 0: (UUID: MIG-bbb)'\necho 'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-ccc)'\n"
    )
    smi.chmod(0o755)
    assert detect_gpus({}, nvidia_smi=str(smi)) == ["0", "1"]
    assert detect_gpus({}, nvidia_smi=str(tmp_path / "missing")) == []


def test_workers_are_planned_per_gpu_unless_set() -> None:
    assert plan_workers(Settings(), ["0", "1"]) == ["0", "1"]
    assert plan_workers(Settings(), []) == [None]
    assert plan_workers(Settings(workers=3), ["0", "1"]) == ["0", "1", "0"]
    assert plan_workers(Settings(workers=2), []) == [None, None]
    assert plan_workers(Settings(workers=0), ["0"]) == []
    assert plan_workers(Settings(device="cpu"), ["0", "1"]) == [None]
    assert plan_workers(Settings(device="cuda:1"), ["0", "1"]) == [None]


def test_workers_get_the_settings_that_were_set(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, preload_model=False, lease_seconds=7.5, cors_origins=["https://a.b"])
    env = settings_env(settings)
    assert env["KILN_DATA_DIR"] == str(tmp_path)
    assert (env["KILN_PRELOAD_MODEL"], env["KILN_LEASE_SECONDS"]) == ("false", "7.5")
    assert env["KILN_CORS_ORIGINS"] == '["https://a.b"]'
    assert worker_command()[:4] == [sys.executable, "-m", "kiln.cli", "worker"]


def test_a_dead_worker_is_restarted_on_its_device(log: Path) -> None:
    supervisor = WorkerSupervisor(
        Settings(lease_seconds=7.5), devices=["3"], command=[sys.executable, "-c", FAKE_WORKER, str(log), "term"]
    )
    supervisor.start(interval=0.02)
    try:
        wait_until(lambda: len(lines(log)) >= 2 and supervisor.pids[0] is not None, what="a restarted worker")
        assert supervisor.restarts == 1
        first, second = (line.split() for line in lines(log)[:2])
        assert first[1:] == second[1:] == ["3", "7.5"]
        assert first[0] != second[0]
        pid = supervisor.pids[0]
    finally:
        supervisor.stop(timeout=10)
    assert f"term {pid}" in lines(log)  # stopped with SIGTERM, not killed
    assert supervisor.pids == [None]


def test_restarts_back_off(log: Path) -> None:
    now = [0.0]
    supervisor = WorkerSupervisor(
        Settings(), devices=[None], command=[sys.executable, "-c", "raise SystemExit(5)"], clock=lambda: now[0]
    )
    supervisor.start(interval=3600)  # the test steps `poll` itself
    try:
        for backoff in (1.0, 2.0, 4.0):
            wait_until(lambda: supervisor.pids == [None], what="the worker to exit")
            assert supervisor.poll() == 0  # noticed; restart scheduled
            now[0] += backoff - 0.1
            assert supervisor.poll() == 0
            now[0] += 0.1
            assert supervisor.poll() == 1
    finally:
        supervisor.stop(timeout=5)
    assert supervisor.restarts == 3


def test_a_worker_that_ignores_sigterm_is_killed(log: Path) -> None:
    log.write_text("already started once\n")  # so the fake does not exit on its own
    supervisor = WorkerSupervisor(
        Settings(), devices=[None], command=[sys.executable, "-c", FAKE_WORKER, str(log), "ignore"]
    )
    supervisor.start(interval=0.02)
    wait_until(lambda: len(lines(log)) == 2, what="the worker to ignore SIGTERM")
    [pid] = supervisor.pids
    assert pid is not None
    started = time.monotonic()
    supervisor.stop(timeout=0.5)
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: gone
