"""A real `kiln serve` for end-to-end tests: its own process group (so a kill -9 takes its workers too), a free
port, a data and an output folder, auth on with a key made by `kiln keys create` against the same data folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tests.conditions import wait_until

__all__ = ["ServeProcess", "create_key", "free_port", "group_members", "serve_env", "serving"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a server (and of `kiln keys`) whose state lives under `root`."""
    return {
        **os.environ,
        "KILN_DATA_DIR": str(root / "data"),
        "KILN_OUTPUT_DIR": str(root / "out"),
        "KILN_AUTH": "on",
        "KILN_DEVICE": "cpu",
        "KILN_THREADS": "2",
        "HF_HUB_OFFLINE": "1",
        **extra,
    }


def create_key(env: Mapping[str, str], name: str = "e2e") -> str:
    """`kiln keys create --name NAME` against the environment's store; its token (the last line printed)."""
    done = subprocess.run(
        [sys.executable, "-m", "kiln.cli", "keys", "create", "--name", name],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    token = done.stdout.strip().splitlines()[-1]
    assert token.startswith("kiln_"), done.stdout
    return token


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


@dataclass
class ServeProcess:
    """One `kiln serve --workers N` process (1 by default), the leader of its own process group."""

    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it answers `/healthz`."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiln.cli", "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers it starts join it
        )
        process = self.process

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"kiln serve exited with {process.returncode}:\n{self.log()}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=timeout, interval=0.1, what="kiln serve to answer")

    def kill_group(self, timeout: float = 30.0) -> None:
        """kill -9 the server and its workers at once, and wait until none of them is left."""
        process = self.process
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
        wait_until(lambda: not group_members(process.pid), timeout=timeout, what="the process group to die")
        self._close_log()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, as a user's Ctrl+C would; kill -9 the group if it does not stop in time. The exit code."""
        process = self.process
        assert process is not None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill_group()
        if group_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        self._close_log()
        return process.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@contextmanager
def serving(env: dict[str, str], log_path: Path, port: int | None = None) -> Iterator[ServeProcess]:
    """A started server, stopped (or its group killed) when the block ends, whatever happened in it."""
    server = ServeProcess(env, log_path) if port is None else ServeProcess(env, log_path, port)
    try:
        server.start()
        yield server
    finally:
        if server.process is not None:
            server.stop()
