"""`kiln worker`: one worker process against the configured store (KILN_DATABASE_URL), on one device."""

from __future__ import annotations

from typing import Annotated

import typer

from kiln.config import Settings

__all__ = ["worker_command"]


def worker_command(
    worker_id: Annotated[str | None, typer.Option(help="Name in leases and logs (default: host-pid)")] = None,
    no_preload: Annotated[bool, typer.Option("--no-preload", help="Load models on first use only")] = False,
    parent_pid: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process exits")] = None,
) -> None:
    """Take work units from the job store until SIGTERM or Ctrl+C (twice to quit at once).

    Brings the database schema up to date first. Run one per GPU, with CUDA_VISIBLE_DEVICES set to that GPU.
    """
    from kiln.cli.logs import setup_logging
    from kiln.worker.process import run_worker

    setup_logging()
    settings = Settings(preload_model=False) if no_preload else Settings()
    run_worker(settings, worker_id=worker_id, parent=parent_pid)
