"""`kiln worker`: one worker process against the configured store (KILN_DATABASE_URL), on one device."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kiln.config import Settings
from kiln.errors import InvalidInput

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
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend",
            help="A provider worker for a remote backend (openai or replicate) instead of a GPU worker: no torch",
        ),
    ] = None,
) -> None:
    """Take work units from the job store until SIGTERM or Ctrl+C (twice to quit at once).

    Brings the database schema up to date first. Run one per GPU, with CUDA_VISIBLE_DEVICES set to that GPU.
    With --models a,b it claims only items of those models (and tasks that load none): a per-model pool.
    With --backend openai|replicate it runs remote models' items (`openai:...`, `replicate:...`) on that backend.
    """
    from kiln.cli.logs import setup_logging

    if backend is not None:
        from kiln.remote.process import run_remote_worker

        if models is not None:
            raise InvalidInput("models", "a provider worker (--backend) serves its backend's models; drop --models")
        setup_logging()
        run_remote_worker(Settings(), backend, worker_id=worker_id, parent=parent_pid)
        return
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
