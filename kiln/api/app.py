"""The FastAPI app: services on `app.state`, error handlers, size limit, CORS and the routers.

The API process never imports torch: it plans, stores and serves; workers generate.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from kiln import __version__
from kiln.api.deps import Services
from kiln.api.errors import install_error_handlers
from kiln.api.event_wakeups import EventWakeups
from kiln.api.events import EventSource
from kiln.api.hot_reads import HotReads
from kiln.api.limits import RequestSizeLimit
from kiln.api.metrics import metrics_registry
from kiln.api.pools import LivePools
from kiln.api.routes import (
    artifacts,
    beats,
    boards,
    bulk,
    control,
    events,
    gallery,
    health,
    images,
    info,
    jobs,
    live_frames,
    metrics,
    openai,
    session,
    side_files,
    speech,
    status,
    thumbnails,
    uploads,
    voices,
    ws,
)
from kiln.api.session import SessionSigner
from kiln.api.signing import UrlSigner, load_url_secret
from kiln.api.studio import StudioApp, bundled_dist, download_origins
from kiln.config import Settings
from kiln.events.bus import publish_commits
from kiln.jobs.keys import KeyStore
from kiln.jobs.store import JobStore
from kiln.jobs.workers import LIVE_BEATS, WorkerRegistry
from kiln.presets.styles import load_styles
from kiln.storage.protocol import Storage

__all__ = ["create_app"]

DESCRIPTION = """Bulk image generation. Submit a job of up to thousands of images, follow it over Server-Sent
Events or a WebSocket, and fetch the files one by one or as a ZIP. `POST /v1/images` and the OpenAI-compatible
`POST /v1/images/generations` answer with the images themselves. Send an API key as `Authorization: Bearer ...`
(the studio at `/` signs in once with `POST /v1/session` and then sends its session cookie).
"""


def create_app(
    settings: Settings,
    *,
    store: JobStore,
    keys: KeyStore,
    storage: Storage,
    workers: WorkerRegistry | None = None,
) -> FastAPI:
    """The API over `store` (jobs, items, events), `keys` (API keys), `storage` (the files) and `workers` (the
    worker registry, for readiness and metrics; by default the store, when it is one). With `KILN_REDIS_URL`, the
    store's committed events are published to Redis and event streams are woken through it."""
    if workers is None and isinstance(store, WorkerRegistry):
        workers = store
    secret = load_url_secret(settings)
    event_source = EventSource(store)
    publisher = publish_commits(store, settings)  # the API's own writes (cancel, control, ...) wake streams too
    if settings.redis_url is not None:
        event_source.wakeups = EventWakeups(
            settings.redis_url,
            settings.redis_channel,
            safety_poll_seconds=settings.redis_poll_seconds,
            fallback_poll_seconds=event_source.poll_seconds,
        )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if event_source.wakeups is not None:
            await event_source.wakeups.close()
        if publisher is not None:
            publisher.close()

    app = FastAPI(title="kiln", version=__version__, description=DESCRIPTION, docs_url="/docs", lifespan=lifespan)
    app.state.services = Services(
        settings=settings,
        store=store,
        keys=keys,
        storage=storage,
        styles=load_styles(settings.styles_file),
        events=event_source,
        signer=UrlSigner(secret),
        sessions=SessionSigner(secret),
        metrics=metrics_registry(store, workers, LIVE_BEATS * settings.heartbeat_seconds),
        workers=workers,
        hot=HotReads(settings.status_cache_seconds),
        pools=LivePools(store, workers, LIVE_BEATS * settings.heartbeat_seconds),
    )
    install_error_handlers(app)
    routers = (jobs, bulk, control, uploads, events, artifacts, gallery, thumbnails, boards, images, openai, info)
    for module in (*routers, side_files, live_frames, beats, speech, voices, status, session, ws, health, metrics):
        app.include_router(module.router)
    if settings.studio:  # what no route matches: the studio's files and client-side routes
        studio = StudioApp(settings.studio_dir or bundled_dist(), app.router.default, download_origins(settings))
        app.router.default = studio
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes, upload_bytes=settings.input_max_bytes)
    if settings.cors_origins:  # outermost, so refusals (401, 413) carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["Content-Disposition", "Content-Range"],
        )
    return app
