"""The provider worker: claims items of one remote namespace and runs them on its backend, many in flight.

No torch and no GPU: asyncio with up to `backend.concurrency` items in flight, each its own one-item unit under a
lease renewed while it runs, store calls in threads. One item:
1. Resume or start. An item that already names remote work (`ItemRecord.remote_id`, stored by an earlier attempt)
   resumes it: an idempotent backend (OpenAI-compatible: the `Idempotency-Key`) gets the same request again, any
   other is polled by its id. Else the request id is made (item id, attempt, a random tail) and stored before an
   idempotent backend is called; another backend's prediction id is stored as soon as `start` returns, before
   waiting on it. Either way a worker that crashes mid-item leaves the next one to pick the same work up instead of
   paying for new work.
2. Poll until final (each poll's progress an `item.progress` event); every call retried on 429/5xx with backoff that
   honours Retry-After (`kiln.remote.retry`). A failed or canceled prediction fails the item with the remote's
   error; a call that cannot succeed (a 4xx) fails it with the remote's message.
3. Download the output, embed kiln's recipe (the item, plus `remote`: backend, id, cost) by re-encoding it as the
   item's format, write it to storage first, then record the cost and complete the item.
A canceled job (or a deleted one) is noticed by the lease's heartbeat: the work in flight stops and the remote
work is canceled. A lost lease stops the work without canceling it (another worker resumes it). A stopping worker
releases its items with their remote ids, so the next start resumes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Protocol, TypeVar

from PIL import Image

from kiln import __version__
from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.records import ItemRecord, NewArtifact, WorkUnit
from kiln.jobs.storage_keys import image_key, job_folder
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.media.images import CONTENT_TYPES, encode_image
from kiln.media.infotext import build_infotext
from kiln.remote.models import prices
from kiln.remote.protocol import RemoteBackend, RemoteError, RemotePrediction, RemoteStatus
from kiln.remote.retry import with_retries
from kiln.storage.errors import storage_reason
from kiln.types import ImageItem
from kiln.worker.presence import Presence
from kiln.worker.progress_events import append_progress

__all__ = ["ArtifactWriter", "RemoteWorker", "RemoteWorkerStats", "with_recipe"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class ArtifactWriter(Protocol):
    """What the worker needs of `kiln.storage.protocol.Storage`."""

    def write(self, relative: str, data: bytes) -> object: ...


class RemoteWorkerStats:
    """What one provider worker has done since it started."""

    def __init__(self) -> None:
        self.done = 0
        self.failed = 0
        self.released = 0
        self.canceled = 0  # remote work canceled because its job was
        self.resumed = 0  # items that picked up remote work an earlier attempt started
        self.started = 0  # remote work started (paid for)


class RemoteWorker:
    """Runs one backend's items until `run`'s stop event is set."""

    def __init__(
        self,
        store: JobStore,
        backend: RemoteBackend,
        storage: ArtifactWriter,
        settings: Settings,
        worker_id: str,
        *,
        registry: WorkerRegistry | None = None,
        poll_seconds: float | None = None,
        claim_poll_seconds: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.backend = backend
        self.storage = storage
        self.settings = settings
        self.worker_id = worker_id
        self.stats = RemoteWorkerStats()
        self._registry = registry
        self._poll = poll_seconds if poll_seconds is not None else settings.remote_poll_seconds
        self._claim_poll = claim_poll_seconds
        self._clock = clock
        self._prices = prices(settings)
        self._in_flight: dict[int, str | None] = {}  # item id -> the remote id it works on (None: not yet)
        self._folders: OrderedDict[str, str] = OrderedDict()
        self._next_expiry = float("-inf")

    def describe(self) -> dict[str, Any]:
        """What this worker tells the registry: a remote backend's pool (`<backend>:*`, `kiln.jobs.pools`)."""
        pool = [f"{self.backend.name}:*"]
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "device": f"remote:{self.backend.name}",
            "backend": self.backend.name,
            "concurrency": self.backend.concurrency,
            "in_flight": len(self._in_flight),
            "images": self.stats.done,
            "loaded_models": [],
            "state": "busy" if self._in_flight else "idle",
            "pool": pool,
            "serves": pool,
        }

    # the loop

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and run items, up to the backend's concurrency at once, until `stop` is set; then release the
        items in flight (their remote work goes on and is resumed by the next worker) and close the backend."""
        presence = None
        if self._registry is not None:
            presence = Presence(self._registry, self.worker_id, self.describe, interval=self.settings.heartbeat_seconds)
        log.info("remote worker %s (%s, %d in flight at most) started", self.worker_id, self.backend.name,
                 self.backend.concurrency)  # fmt: skip
        tasks: set[asyncio.Task[None]] = set()
        stopping = asyncio.create_task(stop.wait())
        try:
            with presence or contextlib.nullcontext():
                failures = 0
                while not stop.is_set():
                    try:
                        await self._expire_leases()
                        while len(tasks) < self.backend.concurrency and not stop.is_set():
                            unit = await asyncio.to_thread(
                                self.store.claim,
                                self.worker_id,
                                max_items=1,
                                lease_seconds=self.settings.lease_seconds,
                                backend=self.backend.name,
                            )
                            if unit is None:
                                break
                            tasks.add(asyncio.create_task(self._run_unit(unit)))
                        failures = 0
                    except Exception:  # the store is failing: back off, keep what is in flight
                        failures += 1
                        log.exception("remote worker %s: a claim failed", self.worker_id)
                    timeout = self._claim_poll * min(2**failures, 60)
                    done, _ = await asyncio.wait({*tasks, stopping}, timeout=timeout, return_when="FIRST_COMPLETED")
                    tasks -= done
        finally:
            stopping.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.backend.aclose()
            log.info("remote worker %s stopped: %s", self.worker_id, vars(self.stats))

    async def _expire_leases(self) -> None:
        now = self._clock()
        if now < self._next_expiry:
            return
        self._next_expiry = now + max(1.0, min(self.settings.lease_seconds / 2, 15.0))
        expired = await asyncio.to_thread(self.store.expire_leases)
        if expired:
            log.info("returned %d items of expired leases to the queue", expired)

    # one item

    async def _run_unit(self, unit: WorkUnit) -> None:
        [record] = unit.items
        self._in_flight[record.id] = record.remote_id
        work = asyncio.create_task(self._work(unit, record))
        lease = asyncio.create_task(self._keep_lease(unit, record))
        try:
            done, _ = await asyncio.wait({work, lease}, return_when="FIRST_COMPLETED")
            if work in done:
                lease.cancel()
                work.result()
                return
            work.cancel()  # the item is no longer ours: canceled, deleted, or its lease lost
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            await self._cancel_if_job_canceled(record)
        except asyncio.CancelledError:  # the worker stops: the remote work goes on, the next worker resumes it
            work.cancel()
            lease.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await work
            await asyncio.to_thread(self._release, unit)
            raise
        except Exception:
            log.exception("remote worker %s: item %d failed unexpectedly; released", self.worker_id, record.id)
            await asyncio.to_thread(self._release, unit)
        finally:
            lease.cancel()
            self._in_flight.pop(record.id, None)

    async def _keep_lease(self, unit: WorkUnit, record: ItemRecord) -> None:
        """Renews the lease until the item is no longer held (returns then: canceled, deleted or lost)."""
        interval = min(self.settings.heartbeat_seconds, self.settings.lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                held = await asyncio.to_thread(self.store.heartbeat, unit.id, lease_seconds=self.settings.lease_seconds)
            except Exception:
                log.warning("could not renew the lease of unit %s", unit.id, exc_info=True)
                continue
            if record.id not in held:
                return

    async def _cancel_if_job_canceled(self, record: ItemRecord) -> None:
        """Cancel the item's remote work when its job was canceled or deleted (not when only the lease was lost:
        another worker resumes that work)."""
        remote_id = self._in_flight.get(record.id)
        job = await asyncio.to_thread(self.store.get_job, record.job_id)
        if job is not None and job.state != "canceled":
            log.info("item %d: lease lost; its remote work %s is left to the next worker", record.id, remote_id)
            return
        if remote_id is None:
            return
        try:
            await self.backend.cancel(remote_id)
            self.stats.canceled += 1
            log.info("item %d: job canceled; canceled remote work %s", record.id, remote_id)
        except Exception:
            log.warning("could not cancel remote work %s", remote_id, exc_info=True)

    async def _work(self, unit: WorkUnit, record: ItemRecord) -> None:
        item = record.image
        try:
            prediction = await self._prediction(unit, record, item)
            if prediction is None:
                return
            if prediction.status != RemoteStatus.SUCCEEDED or not prediction.outputs:
                why = prediction.error or f"the prediction ended {prediction.status.value} with no output"
                await self._fail(unit, record, f"{self.backend.name} prediction {prediction.remote_id}: {why}")
                return
            await self._store_output(unit, record, item, prediction)
        except RemoteError as exc:
            message = exc.message if exc.message.startswith(self.backend.name) else f"{self.backend.name}: {exc}"
            await self._fail(unit, record, message)

    def _retry(self, call: Callable[[], Awaitable[T]], what: str) -> Awaitable[T]:
        return with_retries(call, retries=self.settings.remote_max_retries, what=f"{self.backend.name} {what}")

    def _request_id(self, record: ItemRecord) -> str:
        return f"kiln-{record.job_id}-{record.id}-a{record.attempts}-{secrets.token_hex(4)}"

    async def _remember(self, unit: WorkUnit, record: ItemRecord, remote_id: str) -> bool:
        self._in_flight[record.id] = remote_id
        return await asyncio.to_thread(self.store.set_remote, unit.id, record.id, remote_id)

    async def _prediction(self, unit: WorkUnit, record: ItemRecord, item: ImageItem) -> RemotePrediction | None:
        """The item's remote work, started or resumed, once final; None when the item stopped being ours."""
        prediction = await self._started(unit, record, item)
        last_progress: float | None = None
        while prediction is not None and not prediction.status.terminal:
            if prediction.progress is not None and prediction.progress != last_progress:
                last_progress = prediction.progress
                await self._report(record, prediction)
            await asyncio.sleep(self._poll)
            prediction = await self._retry(partial(self.backend.get, prediction.remote_id), "status")
        return prediction

    async def _started(self, unit: WorkUnit, record: ItemRecord, item: ImageItem) -> RemotePrediction | None:
        """The item's remote work as first seen: resumed (`record.remote_id`) or started, its id stored before
        anyone waits on it; None when the item stopped being ours."""
        model = item.model.partition(":")[2]
        stored = record.remote_id
        if stored is not None:
            self.stats.resumed += 1
            log.info("item %d resumes remote work %s", record.id, stored)
        if getattr(self.backend, "idempotent", False):  # the same request id again returns the same work
            request_id = stored or self._request_id(record)
            if stored is None:
                if not await self._remember(unit, record, request_id):
                    return None
                self.stats.started += 1
            return await self._retry(partial(self.backend.start, model, item, request_id=request_id), "request")
        if stored is not None:
            try:
                return await self._retry(partial(self.backend.get, stored), "status")
            except RemoteError as exc:
                if exc.status_code != 404:
                    raise
                log.info("remote work %s is gone (404); starting anew", stored)
        request_id = self._request_id(record)
        prediction = await self._retry(partial(self.backend.start, model, item, request_id=request_id), "start")
        self.stats.started += 1
        if not await self._remember(unit, record, prediction.remote_id):
            await self.backend.cancel(prediction.remote_id)  # no longer ours: nobody would ever collect it
            return None
        return prediction

    async def _report(self, record: ItemRecord, prediction: RemotePrediction) -> None:
        fraction = min(max(prediction.progress or 0.0, 0.0), 1.0)
        data = {
            "step": round(fraction * 100),
            "steps": 100,
            "items": [record.index],
            "message": f"{self.backend.name}: {prediction.status.value}",
        }
        await asyncio.to_thread(append_progress, self.store, record.job_id, data)

    # the output

    async def _store_output(
        self, unit: WorkUnit, record: ItemRecord, item: ImageItem, prediction: RemotePrediction
    ) -> None:
        url = prediction.outputs[0]
        data = await self._retry(lambda: self.backend.download(url), "download")
        cost = prediction.cost_usd if prediction.cost_usd is not None else self._prices.get(item.model)
        remote = {
            "backend": self.backend.name,
            "model": item.model,
            "remote_id": prediction.remote_id,
            "cost_usd": cost,
            "metrics": dict(prediction.metrics),
        }
        try:
            encoded, width, height, recipe = await asyncio.to_thread(with_recipe, item, data, remote)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            await self._fail(unit, record, f"{self.backend.name} sent an output that is not an image: {exc}")
            return
        folder = await asyncio.to_thread(self._folder, record.job_id)
        key = image_key(folder, item)
        try:
            await asyncio.to_thread(self.storage.write, key, encoded)  # the file first
        except InvalidInput as exc:
            await self._fail(unit, record, f"could not store the image: {exc}")
            return
        except Exception as exc:
            log.warning("could not store %s: %s", key, exc)
            retry_in = min(self.settings.storage_retry_seconds * 2**record.attempts, 3600.0)
            await asyncio.to_thread(
                self.store.storage_failed, unit.id, record.id, storage_reason(exc), retry_in=retry_in
            )
            return
        artifact = NewArtifact(key, CONTENT_TYPES[item.output_format], len(encoded), width, height, recipe)
        await asyncio.to_thread(self.store.set_remote, unit.id, record.id, prediction.remote_id, cost_usd=cost)
        if await asyncio.to_thread(self.store.complete_item, unit.id, record.id, artifact):
            self.stats.done += 1
        else:
            log.info("item %d was no longer ours; its result is not recorded", record.id)

    async def _fail(self, unit: WorkUnit, record: ItemRecord, reason: str) -> None:
        log.warning("item %d failed: %s", record.id, reason)
        if await asyncio.to_thread(self.store.fail_item, unit.id, record.id, reason[:4000]):
            self.stats.failed += 1

    def _release(self, unit: WorkUnit) -> None:
        try:
            self.store.release_unit(unit.id)
            self.stats.released += 1
        except Exception:
            log.warning("could not release unit %s; its lease will expire", unit.id, exc_info=True)

    def _folder(self, job_id: str) -> str:
        if job_id not in self._folders:
            job = self.store.get_job(job_id)
            owner, prefix = (job.owner, job.prefix) if job is not None else (None, None)
            self._folders[job_id] = job_folder(owner, job_id, prefix)
            while len(self._folders) > 256:
                self._folders.popitem(last=False)
        return self._folders[job_id]


def with_recipe(item: ImageItem, data: bytes, remote: dict[str, Any]) -> tuple[bytes, int, int, dict[str, Any]]:
    """The output as the item's format with kiln's recipe and infotext embedded, its size, and the recipe."""
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image = opened.convert("RGBA" if opened.mode in ("RGBA", "LA", "P") and item.output_format != "jpeg" else "RGB")
    recipe = {
        "kiln_version": __version__,
        "item": item.to_dict(),
        "sampler": "remote",
        "model_label": item.model,
        "remote": remote,
    }
    extra = {"Backend": str(remote["backend"]), "Remote id": str(remote["remote_id"])}
    infotext = build_infotext(item, sampler="remote", model_label=item.model, extra=extra)
    encoded = encode_image(image, item.output_format, quality=item.output_quality, infotext=infotext, recipe=recipe)
    return encoded, image.width, image.height, recipe
