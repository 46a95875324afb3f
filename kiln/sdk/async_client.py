"""`AsyncClient`: the asynchronous kiln client over httpx (asyncio), method for method the same as `Client`."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack, overload

import httpx

from kiln.sdk import calls
from kiln.sdk.async_job import AsyncJob
from kiln.sdk.calls import Call
from kiln.sdk.events import Event, EventCursor
from kiln.sdk.files import AtomicFile, target_path
from kiln.sdk.images import GeneratedImage
from kiln.sdk.info import ModelInfo, StyleInfo, TokenReport, Usage
from kiln.sdk.models import Artifact, ItemPage, JobStatus, Page
from kiln.sdk.options import GenerateOptions, ItemSpec, JobOptions
from kiln.sdk.retry import RetryPolicy
from kiln.sdk.sending import Attempts, build_request, check, connection_error
from kiln.sdk.settings import ClientSettings
from kiln.sdk.sse import SSEDecoder
from kiln.sdk.streams import ArtifactRef, artifact_id, bounded, download_name, require_event_stream, stream_read_timeout

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient:
    """A kiln server, asynchronously (asyncio). See `Client`; every method here is a coroutine or an async iterator.

    `base_url` defaults to `KILN_URL` (else http://127.0.0.1:8000) and `api_key` to `KILN_API_KEY`. Idempotent
    requests are retried `retries` times on connection errors and 502/503/504, waiting `backoff` seconds,
    then twice that, and so on. `transport` replaces httpx's (tests, proxies). Use it as a context manager, or
    call `aclose()`.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = 30.0,
        retries: int = 3,
        *,
        backoff: float = 0.5,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = ClientSettings.resolve(base_url, api_key, timeout, headers)
        self._policy = RetryPolicy(retries=retries, backoff=backoff)
        self._http = httpx.AsyncClient(
            base_url=self._settings.base_url,
            headers=self._settings.headers,
            timeout=self._settings.timeout,
            transport=transport,
            follow_redirects=True,  # artifacts may live behind a redirect to object storage
        )

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # -- sending -----------------------------------------------------------------------------------------------

    async def _send(self, call: Call[Any], *, stream: bool = False) -> httpx.Response:
        request = build_request(self._http, call)
        attempts = Attempts(self._policy, call)
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = attempts.failed(exc, request)
            else:
                retry_in = attempts.answered(response)
                if retry_in is None:
                    if response.status_code >= 400:
                        await response.aread()
                        await response.aclose()
                    return check(response)
                await response.aclose()
                delay = retry_in
            await asyncio.sleep(delay)

    async def _call(self, call: Call[T]) -> T:
        return call.parse(await self._send(call))

    @asynccontextmanager
    async def _stream(self, call: Call[Any]) -> AsyncIterator[httpx.Response]:
        response = await self._send(call, stream=True)
        try:
            yield response
        finally:
            await response.aclose()

    async def _save(self, call: Call[Any], path: str | os.PathLike[str], name: str | None = None) -> Path:
        async with self._stream(call) as response:
            try:
                with AtomicFile(target_path(path, response, name)) as file:  # small blocking writes
                    async for chunk in response.aiter_bytes():
                        file.write(chunk)
            except httpx.TransportError as exc:
                raise connection_error(exc, response.request) from exc
            return file.path

    # -- images, synchronously ---------------------------------------------------------------------------------

    async def generate(self, prompt: str, **spec: Unpack[GenerateOptions]) -> list[GeneratedImage]:
        """Generate images and wait for them (`POST /v1/images`): for a few images, where a job is too much.

        Retried only when the connection could not be made: once the server may have seen the request, a
        retry could generate the images twice.
        """
        answer = await self._call(calls.generate(prompt, spec))
        images = []
        for entry in answer.data:
            data = entry.inline()
            if data is None and entry.url is not None:
                data = (await self._send(calls.fetch(entry.url))).content
            images.append(entry.image(data or b""))
        return images

    # -- jobs --------------------------------------------------------------------------------------------------

    async def submit_job(
        self,
        prompts: Sequence[str] | None = None,
        items: Sequence[ItemSpec | Mapping[str, Any]] | None = None,
        defaults: ItemSpec | Mapping[str, Any] | None = None,
        n: int = 1,
        **options: Unpack[JobOptions],
    ) -> AsyncJob:
        """Queue a job (`POST /v1/jobs`): `prompts` (each with the fields of `defaults`) or `items` (each its own
        spec), `n` images of each. Answers at once with an `AsyncJob` to follow.

        A submit is retried only when the connection could not be made at all, so that the server saw no
        request. A failure after the request was sent is raised instead: retrying it could duplicate the job
        (look at `list_jobs()` before submitting again).
        """
        call = calls.submit_job(prompts=prompts, items=items, defaults=defaults, n=n, options=options)
        return AsyncJob(self, await self._call(call))

    async def get_job(self, job_id: str) -> AsyncJob:
        return AsyncJob(self, await self._call(calls.get_job(job_id)))

    async def list_jobs(
        self, state: str | Sequence[str] | None = None, limit: int | None = None, before: str | None = None
    ) -> Page[AsyncJob]:
        """One page of your jobs (in these states), newest first; `before=page.next` gets the next page."""
        page = await self._call(calls.list_jobs(state=state, limit=limit, before=before))
        return Page([AsyncJob(self, status) for status in page.data], page.next)

    async def iter_jobs(self, state: str | Sequence[str] | None = None, page_size: int = 50) -> AsyncIterator[AsyncJob]:
        """All your jobs, newest first, fetched page by page."""
        before: str | None = None
        while True:
            page = await self.list_jobs(state=state, limit=page_size, before=before)
            for job in page:
                yield job
            if not page.next:
                return
            before = page.next

    async def cancel(self, job_id: str) -> JobStatus:
        """Cancel a job's unfinished items; finished ones are kept."""
        return await self._call(calls.cancel_job(job_id))

    async def retry(self, job_id: str) -> JobStatus:
        """Queue a job's failed and canceled items again."""
        return await self._call(calls.retry_job(job_id))

    async def set_priority(self, job_id: str, priority: int) -> JobStatus:
        """Give a job a new priority (-10..10, higher runs first) for its items not yet claimed; a finished job is
        refused (`KilnAPIError` with status 409)."""
        return await self._call(calls.set_priority(job_id, priority))

    async def delete(self, job_id: str) -> None:
        """Delete a job, its items and its files."""
        await self._call(calls.delete_job(job_id))

    async def items(
        self,
        job_id: str,
        state: str | Sequence[str] | None = None,
        offset: int | None = None,
        limit: int | None = None,
    ) -> ItemPage:
        """A page of a job's items (in these states), in index order, each with its planned image."""
        return await self._call(calls.list_items(job_id, state=state, offset=offset, limit=limit))

    async def artifacts(self, job_id: str) -> list[Artifact]:
        """A job's files so far."""
        return await self._call(calls.list_artifacts(job_id))

    # -- files -------------------------------------------------------------------------------------------------

    @overload
    async def download(self, artifact: ArtifactRef, path: None = None) -> bytes: ...
    @overload
    async def download(self, artifact: ArtifactRef, path: str | os.PathLike[str]) -> Path: ...
    async def download(self, artifact: ArtifactRef, path: str | os.PathLike[str] | None = None) -> bytes | Path:
        """An artifact's bytes; or, given `path` (a file, or a folder to put it in), the file written."""
        call = calls.artifact(artifact_id(artifact))
        if path is None:
            return (await self._send(call)).content
        return await self._save(call, path, download_name(artifact))

    async def download_zip(self, job_id: str, path: str | os.PathLike[str]) -> Path:
        """All of a job's files in one zip, written to `path` (a file, or a folder to hold `<job id>.zip`)."""
        return await self._save(calls.job_zip(job_id), path, f"{job_id}.zip")

    # -- events ------------------------------------------------------------------------------------------------

    async def _follow(
        self, job_id: str, after: int = 0, deadline: float | None = None
    ) -> AsyncGenerator[Event | None, None]:
        """A job's events across reconnects, each once and in order; None marks a keep-alive or a reconnect, a
        moment for the reader to look at its clock. Ends once the server has closed the stream of a final job."""
        cursor = EventCursor(job_id, after, self._policy)
        while True:
            call = calls.events(job_id, cursor.headers(), timeout=stream_read_timeout(self._http.timeout, deadline))
            try:
                async with self._stream(call) as response:
                    require_event_stream(response)
                    cursor.connected()
                    decoder = SSEDecoder()
                    async for chunk in response.aiter_bytes():
                        for item in decoder.feed(chunk):
                            yield cursor.accept(item)
                    for item in decoder.close():
                        yield cursor.accept(item)
            except httpx.ReadTimeout:
                yield None  # quiet for longer than the read timeout: reconnect
                continue
            except httpx.TransportError as exc:  # the connection dropped: resume after the last event seen
                await asyncio.sleep(bounded(cursor.dropped(exc), deadline))
                yield None
                continue
            action = cursor.ended()
            if action == "stop":
                return
            if action == "check":
                if (await self._call(calls.get_job(job_id))).is_final:
                    return
                await asyncio.sleep(bounded(cursor.quiet_delay(), deadline))
            yield None

    # -- the rest ----------------------------------------------------------------------------------------------

    async def tokens(self, prompt: str, model: str | None = None) -> TokenReport:
        """How many tokens each text encoder of a model reads from `prompt`, and which words fall past its limit."""
        return await self._call(calls.tokens(prompt, model))

    async def models(self) -> list[ModelInfo]:
        return await self._call(calls.list_models())

    async def styles(self) -> list[StyleInfo]:
        return await self._call(calls.list_styles())

    async def presets(self) -> dict[str, Any]:
        """Quality steps, sizes and schedulers per model family; aspect ratios, formats and qualities."""
        result: dict[str, Any] = await self._call(calls.plain("/v1/presets"))
        return result

    async def usage(self) -> Usage:
        """Images made under this key in the last 24 hours, and what its quota leaves."""
        return await self._call(calls.usage())

    async def health(self) -> dict[str, Any]:
        """`/healthz`: the server answers."""
        result: dict[str, Any] = await self._call(calls.plain("/healthz"))
        return result

    async def ready(self) -> dict[str, Any]:
        """`/readyz`: the server can do work now (its store answers, a worker is live with the default model
        loaded); raises `ServerError` (503) otherwise, whose `body["checks"]` says what is missing."""
        result: dict[str, Any] = await self._call(calls.plain("/readyz"))
        return result
