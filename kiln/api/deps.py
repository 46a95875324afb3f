"""Dependencies: the services built at startup (on `app.state.services`) and the caller, as `Annotated` aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client.registry import CollectorRegistry
from starlette.requests import HTTPConnection

from kiln.api.auth import Caller, authenticate
from kiln.api.events import EventSource
from kiln.api.hot_reads import HotReads
from kiln.api.signing import UrlSigner
from kiln.config import Settings
from kiln.errors import NotFound
from kiln.jobs.ids import stored_id
from kiln.jobs.keys import KeyStore
from kiln.jobs.records import JobRecord
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.presets.styles import StyleBook
from kiln.storage.local import LocalStorage

__all__ = [
    "BaseUrlDep",
    "CallerDep",
    "EventsDep",
    "JobDep",
    "Services",
    "ServicesDep",
    "SettingsDep",
    "StorageDep",
    "StoreDep",
    "TokenDep",
    "current_caller",
    "get_services",
    "owned_job",
]


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a route needs, built once by `create_app`."""

    settings: Settings
    store: JobStore
    keys: KeyStore
    storage: LocalStorage
    styles: StyleBook
    events: EventSource
    signer: UrlSigner
    metrics: CollectorRegistry
    hot: HotReads = field(default_factory=lambda: HotReads(0.0))  # short-lived caches of polled reads
    workers: WorkerRegistry | None = None  # None: no worker registry, so never ready


def get_services(conn: HTTPConnection) -> Services:
    services: Services = conn.app.state.services
    return services


# The dependencies that only look something up are `async def`: FastAPI runs a plain `def` dependency in the
# thread pool, a hop per dependency per request that costs more than the lookup (store calls stay in threads).


async def _services(conn: HTTPConnection) -> Services:
    return get_services(conn)


ServicesDep = Annotated[Services, Depends(_services)]


async def _settings(services: ServicesDep) -> Settings:
    return services.settings


async def _store(services: ServicesDep) -> JobStore:
    return services.store


async def _storage(services: ServicesDep) -> LocalStorage:
    return services.storage


async def _events(services: ServicesDep) -> EventSource:
    return services.events


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
StorageDep = Annotated[LocalStorage, Depends(_storage)]
EventsDep = Annotated[EventSource, Depends(_events)]


async def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


BaseUrlDep = Annotated[str, Depends(_base_url)]  # the server's URL as the client sees it, for absolute links

_bearer = HTTPBearer(auto_error=False, description="A kiln API key")
TokenDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def current_caller(services: ServicesDep, credentials: TokenDep) -> Caller:
    """The caller of this request; 401 without a valid key (unless auth is off). Keys are remembered briefly."""
    token = credentials.credentials if credentials is not None else None
    settings = services.settings
    if token is None or settings.auth == "off":
        return authenticate(services.keys, auth=settings.auth, token=token)  # no store call
    return await services.hot.load_caller(token, lambda: authenticate(services.keys, auth=settings.auth, token=token))


CallerDep = Annotated[Caller, Depends(current_caller)]


async def owned_job(job_id: str, services: ServicesDep, caller: CallerDep, request: Request) -> JobRecord:
    """The job in the path if the caller may see it; 404 otherwise (another key's job reads as missing). A record
    read in the last `KILN_STATUS_CACHE_SECONDS` is reused (`kiln.api.hot_reads`) unless the request says
    `Cache-Control: no-cache`."""
    fresh = "no-cache" in request.headers.get("cache-control", "").lower()
    asked, job_id = job_id, stored_id(job_id) or job_id  # either case; one cache entry per job
    job = await services.hot.load_job(job_id, lambda: services.store.get_job(job_id), fresh=fresh)
    if job is None or (caller.owner is not None and job.owner != caller.owner):
        raise NotFound(f"no job {asked!r}")
    return job


JobDep = Annotated[JobRecord, Depends(owned_job)]
