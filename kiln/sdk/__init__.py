"""The Python client of a kiln server: `Client` (sync) and `AsyncClient` (asyncio), over httpx.

    from kiln.sdk import Client

    with Client("http://127.0.0.1:8000", api_key="kiln_...") as kiln:
        job = kiln.submit_job(prompts=["a red fox", "a blue heron"], defaults={"style": "photo"}, n=4)
        job.wait(on_progress=lambda s: print(f"{s.progress:.0%}"))
        job.download_all("out/")

It imports no server code and no torch: only httpx, pydantic and the standard library.
"""

from kiln.sdk.async_client import AsyncClient
from kiln.sdk.async_job import AsyncJob
from kiln.sdk.client import Client
from kiln.sdk.errors import (
    AuthenticationError,
    KilnAPIError,
    KilnConnectionError,
    KilnSDKError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    QuotaExceededError,
    ServerError,
    StreamUnavailable,
    ValidationError,
    WaitTimeout,
)
from kiln.sdk.events import Event
from kiln.sdk.images import GeneratedImage
from kiln.sdk.info import (
    EncoderTokens,
    Estimate,
    ModelInfo,
    QueueDepth,
    ServiceStatus,
    StyleInfo,
    TokenReport,
    Usage,
    WorkerStatus,
)
from kiln.sdk.job import Job
from kiln.sdk.models import Artifact, Counts, Item, ItemError, ItemPage, JobState, JobStatus, Page, Result
from kiln.sdk.options import GenerateOptions, ImageFields, ItemSpec, JobOptions
from kiln.sdk.retry import RetryPolicy

__all__ = [
    "Artifact",
    "AsyncClient",
    "AsyncJob",
    "AuthenticationError",
    "Client",
    "Counts",
    "EncoderTokens",
    "Estimate",
    "Event",
    "GenerateOptions",
    "GeneratedImage",
    "ImageFields",
    "Item",
    "ItemError",
    "ItemPage",
    "ItemSpec",
    "Job",
    "JobOptions",
    "JobState",
    "JobStatus",
    "KilnAPIError",
    "KilnConnectionError",
    "KilnSDKError",
    "ModelInfo",
    "NotFoundError",
    "Page",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "QueueDepth",
    "QuotaExceededError",
    "Result",
    "RetryPolicy",
    "ServerError",
    "ServiceStatus",
    "StreamUnavailable",
    "StyleInfo",
    "TokenReport",
    "Usage",
    "ValidationError",
    "WaitTimeout",
    "WorkerStatus",
]
