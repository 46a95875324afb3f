"""`/healthz` (the process answers) and `/readyz` (the store answers too)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from kiln.api.deps import SettingsDep, StoreDep
from kiln.api.schemas.info import Health, Readiness

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Ready: the store answers",
    responses={503: {"model": Readiness, "description": "The store does not answer"}},
)
def readyz(store: StoreDep, settings: SettingsDep) -> Readiness | JSONResponse:
    try:
        store.pending_count()
    except Exception as exc:  # any failure of the store means not ready
        body = Readiness(status="unavailable", store=f"error: {type(exc).__name__}", workers=None,
                         default_model=settings.default_model)  # fmt: skip
        return JSONResponse(body.model_dump(), status_code=503)
    return Readiness(status="ok", store="ok", workers=None, default_model=settings.default_model)
