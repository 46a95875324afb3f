"""`kiln worker`: one worker process against the configured store (KILN_DATABASE_URL), on one device."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kiln.config import Settings

__all__ = ["worker_command"]


def worker_command(
    worker_id: Annotated[str | None, typer.Option(help="Name in leases and logs (default: host-pid)")] = None,
    no_preload: Annotated[bool, typer.Option("--no-preload", help="Load models on first use only")] = False,
    parent_pid: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process exits")] = None,
    models: Annotated[
        str | None,
        typer.Option(
            "--models",
            help="Serve only these models, comma-separated (a pool; default: KILN_WORKER_MODELS, else every model)",
        ),
    ] = None,
) -> None:
    """Take work units from the job store until SIGTERM or Ctrl+C (twice to quit at once).

    Brings the database schema up to date first. Run one per GPU, with CUDA_VISIBLE_DEVICES set to that GPU.
    With --models a,b it claims only items of those models (and tasks that load none): a per-model pool.
    """
    from kiln.cli.logs import setup_logging
    from kiln.jobs.pools import claim_keys, parse_pool
    from kiln.worker.process import run_worker

    overrides: dict[str, Any] = {}
    if models is not None:  # a bad list or an unknown model is refused before anything starts
        pool = parse_pool(models)
        claim_keys(pool)
        overrides["worker_models"] = ",".join(pool)
    if no_preload:
        overrides["preload_model"] = False
    setup_logging()
    run_worker(Settings(**overrides), worker_id=worker_id, parent=parent_pid)
