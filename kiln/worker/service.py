"""The job worker: claim a work unit, run it through the engine, write each file, then record it.

One step (`run_once`): expire stale leases now and then, claim up to `micro_batch` items of one signature, run
them as one engine call while a `LeaseKeeper` renews the lease (a canceled or lost item stops the call between
two steps and the unit is released), then for each image: encode, write to storage, and only then
`complete_item` (which refuses, returning False, when the lease was lost: that result is not counted). An item
that fails alone (out of memory for one image, a bad prompt) is failed with its reason; a batch that fails is
retried item by item so one bad item does not take its batch-mates with it. A file that cannot be stored (a full
or read-only disk) is handed to `JobStore.storage_failed` (an attempt counted, retried after a growing delay, the
reason on the job) while its batch-mates are recorded; the worker then backs off before claiming again.

Grid jobs: after a unit, the worker makes the grid image of each grid job of the unit that has completed, and
every `_expire_leases` round it makes any grid still owed (its maker died): `kiln.worker.grids`.

With a `WorkerRegistry`, `run_forever` keeps the worker's row beating (`kiln.worker.presence.Presence`) with
`describe()`: who and where it is, what its engine holds, what it has made, whether it is busy, and its pool.

With a `pool` (model names: `kiln worker --models`), the worker claims only items of those models and tasks that
load none (`kiln.jobs.pools`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiln.config import Settings
from kiln.engine.executor import GeneratedImage, StepCallback
from kiln.errors import Cancelled, InvalidInput, ModelLoadError, UnknownModel
from kiln.jobs.pools import claim_keys
from kiln.jobs.records import ItemRecord, NewArtifact, WorkUnit
from kiln.jobs.storage_keys import image_key
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.media.images import CONTENT_TYPES
from kiln.storage.errors import storage_reason
from kiln.task_item import TaskItem
from kiln.types import ImageItem
from kiln.worker.artifacts import encode_generated, recipe_of
from kiln.worker.engine_call import GenerationEngine, run_engine
from kiln.worker.failures import DeviceFailed, FailureNotRecorded, StorageFailed, device_failed, failure_reason
from kiln.worker.grids import make_grid
from kiln.worker.init_images import is_stored
from kiln.worker.job_facts import JobFactsCache
from kiln.worker.lease import LeaseKeeper
from kiln.worker.live_frames import live_frames_of
from kiln.worker.presence import Presence
from kiln.worker.previews import PreviewEvents
from kiln.worker.progress_events import UnitProgress
from kiln.worker.references import shown_inputs
from kiln.worker.tasks import run_task_item

__all__ = [
    "ArtifactStorage",
    "DeviceFailed",
    "FailureNotRecorded",
    "GenerationEngine",
    "JobWorker",
    "StorageFailed",
    "WorkerStats",
    "device_failed",
    "failure_reason",
]

log = logging.getLogger(__name__)
ENCODE_THREADS = min(4, os.cpu_count() or 1)  # image files encoded side by side after each unit
Outcome = GeneratedImage | str  # an image, or why its item failed


class ArtifactStorage(Protocol):
    """Where files go (`kiln.storage.protocol.Storage`: a folder or an S3 bucket); a write is all or nothing.
    Tasks read their uploaded and artifact inputs back from it; an animation's live frames are replaced in it."""

    def write(self, relative: str, data: bytes) -> object: ...

    def read(self, relative: str) -> bytes: ...

    def delete(self, relative: str, *, prune: str | None = None) -> None: ...


@dataclass(slots=True)
class WorkerStats:
    """What one worker has done since it started."""

    units: int = 0
    done: int = 0
    failed: int = 0
    released: int = 0  # units handed back (a cancel, a lost lease, a stop past its grace)
    discarded: int = 0  # results not recorded because the item was no longer ours
    storage_errors: int = 0  # files that could not be stored (their items retried later, or failed)


class JobWorker:
    """Takes work units from the store until stopped; `run_once` is one testable step."""

    def __init__(
        self,
        store: JobStore,
        engine: GenerationEngine,
        storage: ArtifactStorage,
        settings: Settings,
        worker_id: str,
        *,
        grace_seconds: float = 30.0,
        poll_seconds: float = 0.5,
        progress_interval: float = 0.25,
        renew_interval: float = 0.05,  # a GPU step is longer: cancel is seen within one step
        clock: Callable[[], float] = time.monotonic,
        registry: WorkerRegistry | None = None,
        pool: Sequence[str] | None = None,
    ) -> None:
        self.store = store
        self.pool = tuple(sorted(pool)) if pool is not None else None  # the models served; None: every one
        self._serves = claim_keys(pool) if pool is not None else None
        self.engine = engine
        self.storage = storage
        self.settings = settings
        self.worker_id = worker_id
        self.stats = WorkerStats()
        self.grace_seconds = grace_seconds
        self.poll_seconds = poll_seconds
        self._progress_interval = progress_interval
        self._renew_interval = renew_interval
        self._clock = clock
        self._stop = threading.Event()
        self._stop_seen: float | None = None
        self._next_expiry = float("-inf")
        self._job_facts = JobFactsCache(store)
        self._storage_error: str | None = None  # of the unit in hand
        self._registry = registry
        self._busy = False
        self._encoder: ThreadPoolExecutor | None = None

    def describe(self) -> dict[str, Any]:
        """What this worker tells the registry about itself (JSON)."""
        status = self.engine.status()
        info: dict[str, Any] = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "device": status.device,
            "dtype": status.dtype,
            "micro_batch": status.micro_batch,
            "loaded_models": list(status.loaded_models),
            "model_loads": status.model_loads,
            "images": self.stats.done,
            "gpu_memory_bytes": status.gpu_memory_bytes,
            "state": "busy" if self._busy else "idle",
        }
        if self.pool is not None and self._serves is not None:  # a pool's worker says which (none: every model)
            info |= {"pool": list(self.pool), "serves": sorted(self._serves)}
        return info

    # the loop

    def run_forever(self, stop: threading.Event, *, prepare: Callable[[], None] | None = None) -> None:
        """Work until `stop` is set; a unit in flight then gets `grace_seconds` to finish, else is released.

        `prepare` (a model preload, say) runs first, while the worker already beats as busy. The worker is
        removed from the registry when this returns, and left to age out when it raises."""
        self._stop = stop
        presence = None
        if self._registry is not None:
            interval = self.settings.heartbeat_seconds
            presence = Presence(self._registry, self.worker_id, self.describe, interval=interval)
        preparing = prepare is not None and not stop.is_set()
        self._busy = preparing  # the first beat already says so
        with presence or contextlib.nullcontext():
            if prepare is not None and preparing:
                try:
                    prepare()
                finally:
                    self._busy = False
                if presence is not None:
                    presence.beat()  # tell what is loaded now, not a heartbeat later
            self._loop(stop)

    def _loop(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.worker_id)
        failures = 0
        while not stop.is_set():
            try:
                worked = self.run_once()
                failures = 0
            except DeviceFailed:
                log.critical("worker %s: the device failed; exiting for a fresh process", self.worker_id)
                raise
            except Exception as exc:  # the store or the storage is failing: back off, keep the model warm
                failures += 1
                worked = False
                if isinstance(exc, StorageFailed):
                    log.error("%s; its items will be retried, the worker backs off", exc)
                else:
                    log.exception("worker %s: a step failed", self.worker_id)
            if not worked:
                stop.wait(self.poll_seconds * min(2**failures, 60))
        if self._encoder is not None:
            self._encoder.shutdown()
            self._encoder = None
        log.info("worker %s stopped: %s", self.worker_id, self.stats)

    def run_once(self) -> bool:
        """Claim one unit and run it to the end; False when there was nothing to claim."""
        self._expire_leases()
        claim_started = self._clock()
        unit = self.store.claim(
            self.worker_id,
            max_items=self.engine.micro_batch,
            lease_seconds=self.settings.lease_seconds,
            models=self._serves,
        )
        if unit is None:
            return False
        claim_seconds = self._clock() - claim_started
        self.stats.units += 1
        self._busy = True
        self._storage_error = None
        try:
            self._run_unit(unit, claim_seconds)
        except (DeviceFailed, FailureNotRecorded):
            raise  # not released: the lease expires and counts the attempt
        except BaseException:
            self._release(unit, "an error")
            raise
        finally:
            self._busy = False
        for job_id in dict.fromkeys(record.job_id for record in unit.items):
            if self._job_facts(job_id).grid:
                self._make_grid(job_id)
        if self._storage_error is not None:  # every item is settled; back off before the next claim
            raise StorageFailed(f"files of unit {unit.id} could not be stored: {self._storage_error}")
        return True

    def _expire_leases(self) -> None:
        now = self._clock()
        if now < self._next_expiry:
            return
        self._next_expiry = now + max(1.0, min(self.settings.lease_seconds / 2, 15.0))
        expired = self.store.expire_leases()
        if expired:
            log.info("returned %d items of expired leases to the queue", expired)
        for _ in range(4):  # grids still owed (their maker died); a few a round, so units are not held up
            if not self._make_grid(None):
                break

    def _make_grid(self, job_id: str | None) -> bool:
        """Make the grid image of `job_id` (None: of any job that owes one) if it is owed and now ours; whether
        one was claimed. A failure is logged: the claim's lease runs out and a worker tries again."""
        try:
            job = self.store.claim_grid(lease_seconds=self.settings.lease_seconds, job_id=job_id)
            if job is None:
                return False
            make_grid(self.store, self.storage, job)
        except Exception:
            log.exception("worker %s: the grid image of job %s could not be made", self.worker_id, job_id or "(owed)")
            return False
        return True

    def _stop_due(self) -> bool:
        """True once a stop was asked for `grace_seconds` ago (the unit in flight then gives up)."""
        if not self._stop.is_set():
            return False
        now = self._clock()
        if self._stop_seen is None:
            self._stop_seen = now
        return now - self._stop_seen >= self.grace_seconds

    # one unit

    def _run_unit(self, unit: WorkUnit, claim_seconds: float) -> None:
        """Run a claimed unit; `claim_seconds` (how long its claim took) counts in the rate it records, as each
        unit of a job pays it."""
        jobs: dict[str, list[int]] = {}
        for record in unit.items:
            jobs.setdefault(record.job_id, []).append(record.item.index)
        interval = min(self.settings.heartbeat_seconds, self.settings.lease_seconds / 3)
        keeper = LeaseKeeper(
            self.store,
            unit,
            lease_seconds=self.settings.lease_seconds,
            interval=interval,
            min_interval=self._renew_interval,
            clock=self._clock,
        )
        progress = UnitProgress(self.store, jobs, self._progress_interval, self._clock)
        with keeper:

            def should_cancel() -> bool:
                return self._stop_due() or not keeper.check()

            if isinstance(unit.items[0].item, TaskItem):
                self._run_task(unit, keeper, should_cancel)
                return
            made_before = getattr(self.engine, "images_generated", None)
            try:
                outcomes, started = self._generate(unit.items, progress, should_cancel)
            except Cancelled as exc:
                reason = "a stop" if self._stop_due() else "a cancel or lost lease"
                self._release(unit, f"{reason} ({exc})")
                return
            held = keeper.renew()
            encoded = self._encode([o for r, o in outcomes if r.id in held and not isinstance(o, str)])
            done = self.stats.done
            for record, outcome in outcomes:
                if record.id not in held:
                    self.stats.discarded += 1
                elif isinstance(outcome, str):
                    self._fail(unit, record, outcome)
                else:
                    self._complete(unit, record, outcome, encoded[id(outcome)])
            made = len(unit.items)
            if made_before is not None:  # identical items are generated once: the rate is per image generated
                made = getattr(self.engine, "images_generated", made_before) - made_before
            if started is not None and made > 0 and self.stats.done - done == len(unit.items):
                self._record_rate(unit, (claim_seconds + self._clock() - started) / made)

    def _run_task(self, unit: WorkUnit, keeper: LeaseKeeper, should_cancel: Callable[[], bool]) -> None:
        """A task item (a unit holds one): run it in its work folder, then record its artifact or its failure."""
        [record] = unit.items
        try:
            outcome = run_task_item(
                record,
                store=self.store,
                models=self.engine,
                storage=self.storage,
                settings=self.settings,
                folder=self._job_facts(record.job_id).folder,
                should_cancel=should_cancel,
                frames=live_frames_of(self.store, self.storage, record),
            )
        except Cancelled as exc:
            reason = "a stop" if self._stop_due() else "a cancel or lost lease"
            self._release(unit, f"{reason} ({exc})")
            return
        if record.id not in keeper.renew():
            self.stats.discarded += 1
        elif outcome.storage_error is not None:
            self._storage_failed(unit, record, outcome.storage_error)
        elif outcome.artifact is None:
            self._fail(unit, record, outcome.error or "the task failed")
        elif self.store.complete_item(unit.id, record.id, outcome.artifact):
            self.stats.done += 1
        else:
            self.stats.discarded += 1

    def _generate(
        self, records: Sequence[ItemRecord], on_step: StepCallback, should_cancel: Callable[[], bool]
    ) -> tuple[list[tuple[ItemRecord, Outcome]], float | None]:
        """Run the unit as one call; if that fails, run its items one by one so only the bad ones fail. With the
        outcomes, when the one call made every image: the clock's reading as it began, after the model was
        loaded (a load is not the signature's rate)."""
        watched = [record for record in records if self._job_facts(record.job_id).previews]
        previews = PreviewEvents(self.store, watched, self._clock) if watched else None
        try:
            self.engine.model(records[0].image.model)
            started = self._clock()
            images = self._run_engine(_images(records), on_step, should_cancel, previews)
            return list(zip(records, images, strict=True)), started
        except Cancelled:
            raise
        except Exception as exc:
            if device_failed(exc):
                raise DeviceFailed(f"the device is unusable: {exc}") from exc
            if isinstance(exc, ModelLoadError | UnknownModel):  # every item would fail the same way
                return [(record, self._reason(exc, record)) for record in records], None
            if len(records) == 1:
                log.warning("item %d failed: %s", records[0].id, exc)
                return [(records[0], self._reason(exc, records[0]))], None
            log.warning("a unit of %d items failed (%s); running them one by one", len(records), exc)
        outcomes: list[tuple[ItemRecord, Outcome]] = []
        for record in records:
            try:
                [image] = self._run_engine([_image(record)], on_step, should_cancel, previews)
                outcomes.append((record, image))
            except Cancelled:
                raise
            except Exception as exc:
                if device_failed(exc):
                    raise DeviceFailed(f"the device is unusable: {exc}") from exc
                log.warning("item %d failed: %s", record.id, exc)
                outcomes.append((record, self._reason(exc, record)))
        return outcomes, None

    def _run_engine(
        self,
        items: list[ImageItem],
        on_step: StepCallback,
        should_cancel: Callable[[], bool],
        previews: PreviewEvents | None,
    ) -> list[GeneratedImage]:
        return run_engine(
            self.engine, items, self.storage, max_pixels=self.settings.max_input_pixels, on_step=on_step,
            should_cancel=should_cancel, on_latents=previews,
        )  # fmt: skip

    def _reason(self, exc: BaseException, record: ItemRecord) -> str:
        """`failure_reason`, naming the item's init image as its caller sent it (`upload:<id>`, `artifact:<id>`),
        not as the stored file the worker read."""
        item = _image(record)
        reason = failure_reason(exc, item)
        if item.init_image is not None and is_stored(item.init_image):
            return shown_inputs(reason, {item.init_image: item.init_image}, self.store)
        if item.init_image:  # a path under the output folder: an item queued before init images were stored keys
            try:
                key = Path(item.init_image).relative_to(self.settings.output_dir).as_posix()
            except ValueError:  # not a stored input (a local run's own file): named by its file name already
                return reason
            reason = shown_inputs(reason, {item.init_image: key}, self.store)
        return reason

    def _encode(self, images: Sequence[GeneratedImage]) -> dict[int, bytes | Exception]:
        """Each image's file bytes (or why it could not be encoded), by `id(image)`, encoded side by side: the
        encoders release the GIL, so a unit's files take about one image's time per core."""
        if self._encoder is None:
            self._encoder = ThreadPoolExecutor(max_workers=ENCODE_THREADS, thread_name_prefix="encode")

        def encode(image: GeneratedImage) -> bytes | Exception:
            try:
                return encode_generated(image)
            except Exception as exc:
                return exc

        return {id(image): data for image, data in zip(images, self._encoder.map(encode, images), strict=True)}

    def _complete(self, unit: WorkUnit, record: ItemRecord, image: GeneratedImage, data: bytes | Exception) -> None:
        item = _image(record)
        if isinstance(data, Exception):
            self._fail(unit, record, f"could not encode the image as {item.output_format}: {data}")
            return
        key = image_key(self._job_facts(record.job_id).folder, item)
        try:
            self.storage.write(key, data)  # the file first: an item is never done without its file
        except InvalidInput as exc:  # a key the storage refuses: retrying will not help
            self._fail(unit, record, f"could not store the image: {exc}")
            return
        except Exception as exc:  # a full disk, a storage outage: this item is retried later, the others go on
            log.warning("could not store %s: %s", key, exc)
            self._storage_failed(unit, record, storage_reason(exc))
            return
        artifact = NewArtifact(
            storage_key=key,
            content_type=CONTENT_TYPES[item.output_format],
            size_bytes=len(data),
            width=image.image.width,
            height=image.image.height,
            metadata=recipe_of(image),
        )
        if self.store.complete_item(unit.id, record.id, artifact):
            self.stats.done += 1
        else:
            self.stats.discarded += 1
            log.info("item %d was no longer ours (canceled or lease lost); its result is not recorded", record.id)

    def _fail(self, unit: WorkUnit, record: ItemRecord, reason: str) -> None:
        try:
            recorded = self.store.fail_item(unit.id, record.id, reason)
        except Exception as exc:  # the reason may be what the database refuses: record a plain one instead
            log.warning("could not record item %d's failure %r: %r", record.id, reason[:500], exc)
            plain = f"the item failed; its reason could not be recorded ({type(exc).__name__}): see the worker's log"
            try:
                recorded = self.store.fail_item(unit.id, record.id, plain)
            except Exception as again:
                raise FailureNotRecorded(f"could not record the failure of item {record.id}: {again!r}") from again
        if recorded:
            self.stats.failed += 1
        else:
            self.stats.discarded += 1

    def _storage_failed(self, unit: WorkUnit, record: ItemRecord, reason: str) -> None:
        """An item whose file could not be stored: an attempt counted, retried after a delay that doubles with
        each attempt (or failed with `reason` past `max_attempts`)."""
        self.stats.storage_errors += 1
        self._storage_error = reason
        retry_in = min(self.settings.storage_retry_seconds * 2**record.attempts, 3600.0)
        state = self.store.storage_failed(unit.id, record.id, reason, retry_in=retry_in)
        if state == "failed":
            self.stats.failed += 1
        elif state is None:
            self.stats.discarded += 1

    def _record_rate(self, unit: WorkUnit, seconds_per_image: float) -> None:
        """Tell the store how long a unit whose every image was recorded took per image, from the start of its
        pipeline call to its last record (`POST /v1/estimate` reads it); a failure to record is only logged."""
        try:
            self.store.record_rate(unit.items[0].image.signature().key(), seconds_per_image)
        except Exception:
            log.warning("could not record the rate of unit %s", unit.id, exc_info=True)

    def _release(self, unit: WorkUnit, why: str) -> None:
        try:
            returned = self.store.release_unit(unit.id)
        except Exception:
            log.warning("could not release unit %s; its lease will expire", unit.id, exc_info=True)
            return
        self.stats.released += 1
        log.info("unit %s released after %s: %d items back in the queue", unit.id, why, returned)


def _image(record: ItemRecord) -> ImageItem:
    """The image item of a record in an image unit (units never mix image and task items)."""
    return record.image


def _images(records: Sequence[ItemRecord]) -> list[ImageItem]:
    return [_image(record) for record in records]
