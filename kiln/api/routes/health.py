"""`/healthz` (the process answers) and `/readyz` (the service can do work now).

Ready means: the store answers, a file can be written to storage (a probe written, read back and removed), at
least one worker beat within three heartbeats, and — unless workers load models on first use
(`KILN_PRELOAD_MODEL=false`) — a live worker holds the default model. `checks.pools` counts the live workers by
pool (`kiln.jobs.pools`: `*` for those serving every model). Otherwise 503, with every check in the body
(and the cause of a failing store or storage, without passwords or server paths) so the one that failed is plain.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from kiln.api.deps import ServicesDep
from kiln.api.schemas.info import Health, Readiness, ReadinessChecks
from kiln.engine.catalog import resolve_model
from kiln.errors import KilnError
from kiln.jobs.pools import pool_counts
from kiln.jobs.workers import LIVE_BEATS, WorkerRecord
from kiln.storage.errors import storage_reason

__all__ = ["model_keys", "router", "store_cause"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Alive")
async def healthz() -> Health:
    return Health(status="ok")


def model_keys(name: str) -> frozenset[str]:
    """What a worker may list for the model `name`: the name, and the location items carry (a folder's full
    path) where this process can resolve it."""
    try:
        return frozenset({name, resolve_model(name).location})
    except KilnError:  # a folder that only the workers' machines have, say
        return frozenset({name})


def store_cause(exc: BaseException, database_url: str) -> str:
    """Why the store failed, in one line, for `/readyz`: the driver's error (not SQLAlchemy's wrapper with its
    statement and parameters), without the database URL's password, cut to 300 characters."""
    inner = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(inner).strip().splitlines()
    message = f"{type(inner).__name__}: {lines[0]}" if lines else type(inner).__name__
    password = _password(database_url)
    if password:
        message = message.replace(password, "***")
    return message[:300]


def _password(database_url: str) -> str | None:
    try:
        return make_url(database_url).password
    except ArgumentError:
        return None


def _holds(worker: WorkerRecord, keys: frozenset[str]) -> bool:
    loaded = worker.info.get("loaded_models")
    return isinstance(loaded, list) and not keys.isdisjoint(m for m in loaded if isinstance(m, str))


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Ready: the store answers, a worker is live, the default model is loaded",
    responses={503: {"model": Readiness, "description": "Not ready; `checks` says what is missing"}},
)
def readyz(services: ServicesDep) -> Readiness | JSONResponse:
    settings = services.settings
    live: list[WorkerRecord] = []
    store_error = storage_error = None
    try:
        services.store.pending_count()
        if services.workers is not None:
            live = services.workers.live_workers(LIVE_BEATS * settings.heartbeat_seconds)
    except Exception as exc:  # any failure of the store means not ready
        store_error = store_cause(exc, settings.resolved_database_url())
    try:
        services.storage.check_writable()  # a real write: a full or read-only disk shows here
    except Exception as exc:
        storage_error = storage_reason(exc)
    loaded = None
    if settings.preload_model:
        keys = model_keys(settings.default_model)
        loaded = any(_holds(worker, keys) for worker in live)
    checks = ReadinessChecks(
        store=store_error is None,
        store_error=store_error,
        storage=storage_error is None,
        storage_error=storage_error,
        workers=len(live),
        pools=pool_counts(live),
        default_model_loaded=loaded,
    )
    ready = store_error is None and storage_error is None and bool(live) and loaded is not False
    body = Readiness(ready=ready, checks=checks)
    return body if ready else JSONResponse(body.model_dump(), status_code=503)
