"""Dependencies: the services built at startup (on `app.state.services`) and the caller, as `Annotated` aliases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client.registry import CollectorRegistry
from starlette.requests import HTTPConnection

from kiln.api.auth import ANONYMOUS, Caller, authenticate, session_caller
from kiln.api.events import EventSource
from kiln.api.hot_reads import HotReads
from kiln.api.pools import LivePools
from kiln.api.session import COOKIE, SAFE_METHODS, SessionSigner, require_same_origin
from kiln.api.signing import UrlSigner
from kiln.config import Settings
from kiln.errors import NotFound, Unauthorized
from kiln.jobs.ids import stored_id
from kiln.jobs.keys import KeyStore
from kiln.jobs.records import JobRecord
from kiln.jobs.store import JobStore
from kiln.jobs.workers import WorkerRegistry
from kiln.presets.styles import StyleBook
from kiln.storage.protocol import Storage

__all__ = [
    "BaseUrlDep",
    "CallerDep",
    "Credentials",
    "CredentialsDep",
    "EventsDep",
    "JobDep",
    "Services",
    "ServicesDep",
    "SettingsDep",
    "StorageDep",
    "StoreDep",
    "TokenDep",
    "caller_now",
    "credentials_of",
    "current_caller",
    "get_services",
    "load_caller",
    "owned_job",
]


@dataclass(frozen=True, slots=True)
class Services:
    """Everything a route needs, built once by `create_app`."""

    settings: Settings
    store: JobStore
    keys: KeyStore
    storage: Storage
    styles: StyleBook
    events: EventSource
    signer: UrlSigner
    metrics: CollectorRegistry
    sessions: SessionSigner = field(default_factory=lambda: SessionSigner(b""))  # create_app: the URL secret's
    hot: HotReads = field(default_factory=lambda: HotReads(0.0))  # short-lived caches of polled reads
    workers: WorkerRegistry | None = None  # None: no worker registry, so never ready
    pools: LivePools | None = None  # the live workers' pools (create_app), for a job's warning


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


async def _storage(services: ServicesDep) -> Storage:
    return services.storage


async def _events(services: ServicesDep) -> EventSource:
    return services.events


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
StorageDep = Annotated[Storage, Depends(_storage)]
EventsDep = Annotated[EventSource, Depends(_events)]


async def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


BaseUrlDep = Annotated[str, Depends(_base_url)]  # the server's URL as the client sees it, for absolute links

_bearer = HTTPBearer(auto_error=False, description="A kiln API key")
TokenDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
_NO_KEY = "this API needs a key: send the header 'Authorization: Bearer <your kiln key>', or sign in to the studio"


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request proves who it is with: a key's token (a Bearer header), or the id of the key a valid session
    cookie names (`kiln.api.session`); neither with auth off or when none was sent. A header wins over a cookie."""

    token: str | None = None
    session_key: str | None = None


def credentials_of(services: Services, conn: HTTPConnection, token: str | None) -> Credentials:
    """The credentials of a request that sent `token` (or None); a session cookie that is not valid (tampered,
    expired, from another secret) is a 401, so the studio asks to sign in again."""
    if services.settings.auth == "off":
        return Credentials()
    if token is not None:
        return Credentials(token=token)
    cookie = conn.cookies.get(COOKIE)
    if cookie is None:
        return Credentials()
    key_id = services.sessions.verify(cookie)
    if key_id is None:
        raise Unauthorized("the session has expired or is not valid: sign in again")
    return Credentials(session_key=key_id)


async def _credentials(request: Request, services: ServicesDep, bearer: TokenDep) -> Credentials:
    return credentials_of(services, request, bearer.credentials if bearer is not None else None)


CredentialsDep = Annotated[Credentials, Depends(_credentials)]


async def load_caller(services: Services, credentials: Credentials) -> Caller:
    """The caller `credentials` prove; keys are remembered briefly (`kiln.api.hot_reads`). 401 without any, unless
    auth is off."""
    keys, auth = services.keys, services.settings.auth
    if auth == "off":
        return ANONYMOUS
    token, key_id = credentials.token, credentials.session_key
    if token is not None:
        return await services.hot.load_caller(token, lambda: authenticate(keys, auth=auth, token=token))
    if key_id is not None:
        return await services.hot.load_session(key_id, lambda: session_caller(keys, key_id))
    raise Unauthorized(_NO_KEY)


def caller_now(services: Services, credentials: Credentials) -> Caller:
    """`load_caller` read from the store now, for the synchronous routes."""
    keys, auth = services.keys, services.settings.auth
    if auth == "off":
        return ANONYMOUS
    if credentials.token is not None:
        return authenticate(keys, auth=auth, token=credentials.token)
    if credentials.session_key is not None:
        return session_caller(keys, credentials.session_key)
    raise Unauthorized(_NO_KEY)


async def current_caller(request: Request, services: ServicesDep, credentials: CredentialsDep) -> Caller:
    """The caller of this request; 401 without a valid key or session (unless auth is off), 403 for a change
    signed in by the cookie but sent from another origin."""
    if credentials.session_key is not None and request.method not in SAFE_METHODS:
        require_same_origin(request)
    return await load_caller(services, credentials)


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
