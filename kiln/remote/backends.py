"""The backend of a namespace, built from the settings (`kiln worker --backend openai|replicate`)."""

from __future__ import annotations

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.remote.models import NAMESPACES, configured_namespaces, prices
from kiln.remote.protocol import RemoteBackend

__all__ = ["open_backend"]


def open_backend(name: str, settings: Settings) -> RemoteBackend:
    """The configured backend called `name`; `InvalidInput("backend")` for an unknown or unconfigured one."""
    if name not in NAMESPACES:
        raise InvalidInput("backend", f"unknown backend {name!r}; choose one of: {', '.join(NAMESPACES)}")
    if name not in configured_namespaces(settings):
        needs = "REPLICATE_API_TOKEN" if name == "replicate" else "KILN_OPENAI_BASE_URL"
        raise InvalidInput("backend", f"the {name} backend is not configured; set {needs}")
    if name == "openai":
        from kiln.remote.openai_backend import OpenAIBackend

        return OpenAIBackend(settings)
    from kiln.remote.replicate import replicate_backend

    return replicate_backend(
        token=settings.replicate_api_token,
        base_url=settings.replicate_base_url,
        concurrency=settings.replicate_concurrency,
        prices=prices(settings),
        webhook_host=settings.replicate_webhook_host,
        webhook_port=settings.replicate_webhook_port,
    )
