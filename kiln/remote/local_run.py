"""The CLI's direct mode for remote models (`kiln generate --model openai:...`): a run folder's pending items on
their backends, up to each backend's concurrency at once, each file written (with kiln's recipe) and recorded in
the manifest as it comes.

No store here, so the request id of an item is derived from the run's fingerprint and the item's index: running
the same command again sends the same ids, which an idempotent backend (another kiln, honouring Idempotency-Key;
a Cog server's PUT by id) answers with the work it already did instead of doing it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from kiln.config import Settings
from kiln.jobs.run_folder import RunFolder
from kiln.remote.backends import open_backend
from kiln.remote.models import namespace_of, prices, remote_name
from kiln.remote.protocol import RemoteBackend, RemoteError, RemoteStatus
from kiln.remote.retry import with_retries
from kiln.remote.worker import with_recipe
from kiln.types import ImageItem

__all__ = ["RemoteRunSummary", "run_remote"]

log = logging.getLogger(__name__)


@dataclass
class RemoteRunSummary:
    generated: int = 0
    failed: dict[int, str] = field(default_factory=dict)  # item index -> why


async def _one(
    backend: RemoteBackend, run: RunFolder, item: ImageItem, request_id: str, settings: Settings
) -> dict[str, object]:
    retries = settings.remote_max_retries
    model = remote_name(item.model)
    start = partial(backend.start, model, item, request_id=request_id)
    prediction = await with_retries(start, retries=retries, what=f"{backend.name} start")
    while not prediction.status.terminal:
        await asyncio.sleep(settings.remote_poll_seconds)
        get = partial(backend.get, prediction.remote_id)
        prediction = await with_retries(get, retries=retries, what=f"{backend.name} status")
    if prediction.status != RemoteStatus.SUCCEEDED or not prediction.outputs:
        raise RemoteError(f"{backend.name} prediction {prediction.remote_id}: {prediction.error or prediction.status}")
    download = partial(backend.download, prediction.outputs[0])
    data = await with_retries(download, retries=retries, what=f"{backend.name} download")
    cost = prediction.cost_usd if prediction.cost_usd is not None else prices(settings).get(item.model)
    remote: dict[str, object] = {
        "backend": backend.name, "model": item.model, "remote_id": prediction.remote_id, "cost_usd": cost,
    }  # fmt: skip
    encoded, _, _, _ = await asyncio.to_thread(with_recipe, item, data, remote)
    await asyncio.to_thread(run.storage.write, run.relative(item), encoded)
    return remote


async def _run(
    run: RunFolder, settings: Settings, key: str, on_done: Callable[[int, int], None] | None
) -> RemoteRunSummary:
    summary = RemoteRunSummary()
    pending = run.pending()
    backends = {name: open_backend(name, settings) for name in sorted({namespace_of(i.model) or "" for i in pending})}
    limits = {name: asyncio.Semaphore(backend.concurrency) for name, backend in backends.items()}

    async def one(item: ImageItem) -> None:
        name = namespace_of(item.model) or ""
        async with limits[name]:
            try:
                remote = await _one(backends[name], run, item, f"kiln-run-{key}-{item.index}", settings)
            except (RemoteError, OSError, ValueError) as exc:
                summary.failed[item.index] = str(exc)
                return
        run.record([(item, {"remote": remote})])
        summary.generated += 1
        if on_done is not None:
            on_done(run.done_count, len(run.items))

    try:
        await asyncio.gather(*(one(item) for item in pending))
    finally:
        for backend in backends.values():
            await backend.aclose()
    return summary


def run_remote(
    run: RunFolder, settings: Settings, *, key: str, on_done: Callable[[int, int], None] | None = None
) -> RemoteRunSummary:
    """Run the folder's pending items (every one a remote model's) on their backends; `key` (the run's
    fingerprint) makes their request ids."""
    return asyncio.run(_run(run, settings, key, on_done))
