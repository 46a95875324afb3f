"""Long-lived answers check their key again while they run, so a revoked key stops everywhere, not only at the next
request: a WebSocket's subscriptions and an SSE stream end within `KEY_CHECK_SECONDS + KEY_SECONDS` (1.5 s).

Checks read through the key cache (`kiln.api.hot_reads`), whose entries are never older than `KEY_SECONDS`, so a
thousand open streams of one key cost one store read per `KEY_SECONDS / 2`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

from kiln.api.deps import Credentials, Services, load_caller
from kiln.errors import Unauthorized

__all__ = ["KEY_CHECK_SECONDS", "REVOKED", "KeyCheck", "until_revoked"]

KEY_CHECK_SECONDS = 0.5
REVOKED = "the API key was revoked"
T = TypeVar("T")


class KeyCheck:
    """Whether the key an answer began with still works (always, with auth off or without a key)."""

    def __init__(self, services: Services, credentials: Credentials) -> None:
        self._services = services
        needed = services.settings.auth != "off" and credentials != Credentials()
        self._credentials = credentials if needed else None

    @property
    def needed(self) -> bool:
        return self._credentials is not None

    async def valid(self) -> bool:
        """False once the key (of the header or of the session cookie) is revoked or unknown; a store that cannot
        answer raises."""
        if self._credentials is None:
            return True
        try:
            await load_caller(self._services, self._credentials)
        except Unauthorized:
            return False
        return True


async def until_revoked(items: AsyncIterator[T], check: KeyCheck, farewell: T) -> AsyncIterator[T]:
    """`items` as they come, checking the key every `KEY_CHECK_SECONDS` even while none comes; once it is revoked,
    `farewell` and the end. A check the store cannot answer is tried again at the next one."""
    if not check.needed:
        async for item in items:
            yield item
        return
    iterator = aiter(items)
    pending: asyncio.Future[T] = asyncio.ensure_future(anext(iterator))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=KEY_CHECK_SECONDS)
            if done:
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                yield item
                pending = asyncio.ensure_future(anext(iterator))
            try:
                valid = await check.valid()
            except Exception:  # the store could not answer: checked again next time
                valid = True
            if not valid:
                yield farewell
                return
    finally:
        pending.cancel()
        await asyncio.gather(pending, return_exceptions=True)
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
