"""`POST /v1/estimate` (what an images job would take) and `GET /v1/status` (workers, queue, usage, version).

Both count every key's queued and running work (counts only: no other key's jobs or contents), and see the live
workers as `/readyz` does (a beat within `LIVE_BEATS` heartbeats).
"""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from fastapi import APIRouter

from kiln import __version__
from kiln.api.auth import remote_cost, usage
from kiln.api.deps import CallerDep, Services, ServicesDep
from kiln.api.estimate import batch_size, estimate
from kiln.api.schemas.jobs import ImagesJobRequest
from kiln.api.schemas.status import Estimate, QueueDepth, ServiceStatus, WorkerStatus
from kiln.api.submit import image_submission, plan_images
from kiln.api.views import usage_view
from kiln.jobs.pools import worker_pool
from kiln.jobs.records import StoreStats
from kiln.jobs.workers import LIVE_BEATS, WorkerRecord

__all__ = ["router", "worker_status"]

router = APIRouter(prefix="/v1", tags=["status"])


def _live_workers(services: Services) -> list[WorkerRecord]:
    if services.workers is None:
        return []
    return services.workers.live_workers(LIVE_BEATS * services.settings.heartbeat_seconds)


def _counts(services: Services) -> StoreStats:
    return services.store.stats(window_seconds=0, max_durations=0)  # counts only: no run times


@router.post(
    "/estimate",
    response_model=Estimate,
    summary="What an images job would take: items, batches and seconds; nothing is stored or charged",
)
def estimate_job(body: ImagesJobRequest, services: ServicesDep, caller: CallerDep) -> Estimate:
    """The body of `POST /v1/jobs` for images, checked and planned the same way (the same 422s; no quota check)."""
    job, items = plan_images(services, caller, image_submission(body, services.settings.max_items))
    size = batch_size(job.micro_batch, _live_workers(services), services.settings.micro_batch)
    rates = services.store.signature_rates({item.signature().key() for item in items})
    stats = _counts(services)
    queue_ahead = stats.items.get("pending", 0) + stats.items.get("running", 0)
    return estimate(
        items, size=size, rates=rates, queue_ahead=queue_ahead, cost_per_gpu_hour=services.settings.cost_per_gpu_hour
    )


@router.get("/status", response_model=ServiceStatus, summary="Live workers, queue depth, my usage, the version")
def service_status(services: ServicesDep, caller: CallerDep) -> ServiceStatus:
    stats = _counts(services)
    queue = QueueDepth(
        queued_items=stats.items.get("pending", 0),
        running_items=stats.items.get("running", 0),
        queued_jobs=stats.jobs.get("queued", 0),
        running_jobs=stats.jobs.get("running", 0),
    )
    return ServiceStatus(
        version=__version__,
        auth=services.settings.auth,
        workers=[worker_status(worker) for worker in _live_workers(services)],
        queue=queue,
        usage=usage_view(caller, usage(services.store, caller), remote_cost(services.store, caller)),
    )


def worker_status(worker: WorkerRecord) -> WorkerStatus:
    """A worker as its beat describes it (`kiln.worker.service.JobWorker.describe`); a value of the wrong type
    reads as unreported, and a model kept in a folder is named by its base name, never by a server path."""
    info = worker.info
    loaded = info.get("loaded_models")
    images = info.get("images")
    pool = worker_pool(info)
    return WorkerStatus(
        worker_id=worker.worker_id,
        host=_text(info.get("host")),
        device=_text(info.get("device")),
        state=_text(info.get("state")),
        models=[_model_name(m) for m in loaded if isinstance(m, str)] if isinstance(loaded, list) else [],
        images=images if isinstance(images, int) and not isinstance(images, bool) and images >= 0 else 0,
        pool=None if pool is None else [_model_name(m) for m in pool],
        seen_at=worker.last_seen,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _model_name(location: str) -> str:
    """A built-in or hub model as it is; a folder or file by its base name (what image metadata calls it)."""
    for path in (PurePosixPath(location), PureWindowsPath(location)):
        if path.is_absolute():
            return path.stem
    return location
