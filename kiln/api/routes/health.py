"""`/healthz` (the process answers) and `/readyz` (the service can do work now).

Ready means: the store answers, at least one worker beat within three heartbeats, and — unless workers load
models on first use (`KILN_PRELOAD_MODEL=false`) — a live worker holds the default model. Otherwise 503, with
every check in the body so the one that failed is plain.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kiln.api.deps import ServicesDep
from kiln.api.schemas.info import Health, Readiness, ReadinessChecks
from kiln.engine.catalog import resolve_model
from kiln.errors import KilnError
from kiln.jobs.workers import LIVE_BEATS, WorkerRecord

__all__ = ["model_keys", "router"]

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
    try:
        services.store.pending_count()
        if services.workers is not None:
            live = services.workers.live_workers(LIVE_BEATS * settings.heartbeat_seconds)
        store_ok = True
    except Exception:  # any failure of the store means not ready
        store_ok = False
    loaded = None
    if settings.preload_model:
        keys = model_keys(settings.default_model)
        loaded = any(_holds(worker, keys) for worker in live)
    checks = ReadinessChecks(store=store_ok, workers=len(live), default_model_loaded=loaded)
    ready = store_ok and bool(live) and loaded is not False
    body = Readiness(ready=ready, checks=checks)
    return body if ready else JSONResponse(body.model_dump(), status_code=503)
