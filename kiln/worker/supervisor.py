"""Worker processes for `kiln serve`: one per device, restarted when one dies, stopped gracefully.

A restart is what turns a poison pill (an item whose generation kills its process) into a failed item: each
death leaves the item's lease to expire, the store counts the attempt, and after `max_attempts` fails it while
the rest of the job goes on. Restarts back off (1 s doubling to 60 s) so a worker that cannot start does not spin.

This module never imports torch: devices are counted from `CUDA_VISIBLE_DEVICES` or `nvidia-smi -L`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kiln.config import Settings

__all__ = ["WorkerSupervisor", "detect_gpus", "plan_workers", "remote_worker_command", "settings_env", "worker_command"]

log = logging.getLogger(__name__)

_FIRST_BACKOFF = 1.0
_MAX_BACKOFF = 60.0
_HEALTHY_AFTER = 60.0  # a worker that ran this long starts over at the first backoff when it dies


def detect_gpus(environ: Mapping[str, str] = os.environ, *, nvidia_smi: str | None = None) -> list[str]:
    """CUDA devices to spread workers over: `CUDA_VISIBLE_DEVICES` when set, else `nvidia-smi -L`, else none."""
    visible = environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        devices = [part.strip() for part in visible.split(",") if part.strip()]
        # CUDA stops at the first invalid entry, so "-1" (or "0,-1,1") hides everything from there on
        kept: list[str] = []
        for device in devices:
            if device.startswith("-"):
                break
            kept.append(device)
        return kept
    command = nvidia_smi or shutil.which("nvidia-smi")
    if command is None:
        return []
    try:
        listing = subprocess.run([command, "-L"], capture_output=True, text=True, timeout=15, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        log.warning("nvidia-smi -L failed; assuming no GPU", exc_info=True)
        return []
    return [str(i) for i, line in enumerate(line for line in listing.splitlines() if line.startswith("GPU "))]


def plan_workers(settings: Settings, gpus: Sequence[str]) -> list[str | None]:
    """The `CUDA_VISIBLE_DEVICES` of each worker to start (None: leave the environment as it is).

    `settings.workers` wins (0: none, an API-only server); else one per GPU; else one. Workers get a GPU each only
    when the device setting lets kiln choose (`auto` or `cuda`), round-robin when there are more workers than GPUs.
    """
    spread = bool(gpus) and settings.device in ("auto", "cuda")
    count = settings.workers if settings.workers is not None else (len(gpus) if spread else 1)
    if not spread:
        return [None] * count
    return [gpus[i % len(gpus)] for i in range(count)]


def settings_env(settings: Settings) -> dict[str, str]:
    """The settings that were set (by the environment or in code) as `KILN_*` variables, for a child process."""
    env: dict[str, str] = {}
    for name in sorted(settings.model_fields_set):
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | dict):
            text = json.dumps(value)
        else:
            text = str(value)
        env[f"KILN_{name.upper()}"] = text
    return env


def worker_command() -> list[str]:
    """`kiln worker` run by this very interpreter, stopping if this process dies."""
    return [sys.executable, "-m", "kiln.cli", "worker", "--parent-pid", str(os.getpid())]


def remote_worker_command(backend: str) -> list[str]:
    """`kiln worker --backend BACKEND` (a provider worker, `kiln.remote`), stopping if this process dies."""
    return [*worker_command(), "--backend", backend]


@dataclass(slots=True)
class _Slot:
    index: int
    device: str | None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff: float = _FIRST_BACKOFF
    restart_at: float | None = None
    exit_codes: list[int] = field(default_factory=list)


class WorkerSupervisor:
    """Starts, watches and stops worker processes; `poll` is one testable step, `start` also runs it on a thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        devices: Sequence[str | None] | None = None,
        command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        stop_timeout: float = 45.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        plan = list(devices) if devices is not None else plan_workers(settings, detect_gpus())
        self._slots = [_Slot(i, device) for i, device in enumerate(plan)]
        self._command = list(command or worker_command())
        self._env = dict(env or {})
        self.stop_timeout = stop_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def size(self) -> int:
        return len(self._slots)

    @property
    def pids(self) -> list[int | None]:
        """The pid of each worker that is running now (None where one is down)."""
        with self._lock:
            return [s.process.pid if s.process and s.process.poll() is None else None for s in self._slots]

    @property
    def exit_codes(self) -> list[list[int]]:
        """The exit codes of each worker's processes so far, oldest first."""
        with self._lock:
            return [list(slot.exit_codes) for slot in self._slots]

    @property
    def restarts(self) -> int:
        with self._lock:
            return sum(slot.restarts for slot in self._slots)

    def start(self, interval: float = 0.5) -> None:
        """Start every worker, and a thread that restarts those that die."""
        with self._lock:
            for slot in self._slots:
                self._spawn(slot)
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="supervisor", daemon=True)
        self._thread.start()
        log.info("started %d worker process(es)", len(self._slots))

    def poll(self) -> int:
        """Notice workers that exited and start those whose backoff is over; returns how many were started."""
        started = 0
        with self._lock:
            if self._stopping.is_set():
                return 0
            now = self._clock()
            for slot in self._slots:
                if slot.process is not None and (code := slot.process.poll()) is not None:
                    self._died(slot, code, now)
                if slot.process is None and slot.restart_at is not None and now >= slot.restart_at:
                    slot.restarts += 1
                    self._spawn(slot)
                    started += 1
        return started

    def hold(self) -> None:
        """Restart no more workers (the first step of a shutdown; safe to call from a signal handler)."""
        self._stopping.set()

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM every worker (each finishes or releases its unit), wait, then SIGKILL what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            running = [slot.process for slot in self._slots if slot.process and slot.process.poll() is None]
            for process in running:
                process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + (self.stop_timeout if timeout is None else timeout)
            for process in running:
                try:
                    process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("worker %d did not stop in time; killing it", process.pid)
                    process.kill()
                    process.wait()
            for slot in self._slots:
                slot.process = None
        log.info("worker processes stopped")

    def _spawn(self, slot: _Slot) -> None:
        env = {**os.environ, **settings_env(self.settings), **self._env}
        if slot.device is not None:
            env["CUDA_VISIBLE_DEVICES"] = slot.device
        slot.started_at = self._clock()
        slot.restart_at = None
        try:
            slot.process = subprocess.Popen(self._command, env=env)
        except OSError as exc:
            log.error("worker %d could not start: %s", slot.index, exc)
            self._died(slot, -1, slot.started_at)
            return
        where = f"GPU {slot.device}" if slot.device is not None else "its default device"
        log.info("worker %d started (pid %d) on %s", slot.index, slot.process.pid, where)

    def _died(self, slot: _Slot, code: int, now: float) -> None:
        slot.process = None
        slot.exit_codes.append(code)
        if now - slot.started_at >= _HEALTHY_AFTER:
            slot.backoff = _FIRST_BACKOFF
        slot.restart_at = now + slot.backoff
        log.warning("worker %d exited with code %d; restarting in %g s", slot.index, code, slot.backoff)
        slot.backoff = min(slot.backoff * 2, _MAX_BACKOFF)

    def _watch(self, interval: float) -> None:
        while not self._stopping.wait(interval):
            try:
                self.poll()
            except Exception:
                log.exception("supervising the workers failed")
