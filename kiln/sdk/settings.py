"""Connection settings of a client: base URL, API key and timeouts, with defaults from the environment.

The SDK runs in users' programs, apart from the server, so it reads its two variables itself rather than through
`kiln.config`: `KILN_URL` (default http://127.0.0.1:8000) and `KILN_API_KEY`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import httpx

__all__ = ["DEFAULT_URL", "ClientSettings"]

DEFAULT_URL = "http://127.0.0.1:8000"


def _user_agent() -> str:
    try:
        return f"kiln-sdk/{version('kiln')}"
    except PackageNotFoundError:
        return "kiln-sdk"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """What both clients are built from."""

    base_url: str
    api_key: str | None
    timeout: httpx.Timeout
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def resolve(
        cls,
        base_url: str | None,
        api_key: str | None,
        timeout: float | httpx.Timeout | None,
        headers: dict[str, str] | None = None,
    ) -> ClientSettings:
        url = (base_url or os.environ.get("KILN_URL") or DEFAULT_URL).rstrip("/")
        key = api_key if api_key is not None else (os.environ.get("KILN_API_KEY") or None)
        all_headers = {"User-Agent": _user_agent(), "Accept": "application/json"}
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        all_headers.update(headers or {})
        return cls(url, key, timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout), all_headers)
