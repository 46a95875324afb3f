"""The Cog backend's webhook receiver, over real loopback HTTP: the latest state by prediction id, a final state
never overwritten by a late update, bad bodies ignored, and a bounded memory."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kiln.remote import replicate_webhooks
from kiln.remote.replicate_webhooks import WebhookReceiver
from tests.e2e.server import free_port


def test_the_latest_state_is_kept_and_a_final_one_is_never_overwritten() -> None:
    async def main() -> None:
        receiver = WebhookReceiver()
        base = await receiver.url()
        try:
            async with httpx.AsyncClient() as client:
                for status in ("starting", "processing", "succeeded", "processing"):
                    answer = await client.post(f"{base}/p1", json={"id": "p1", "status": status, "logs": status})
                    assert answer.status_code == 204
                assert (await client.post(f"{base}/p2", content=b"not json")).status_code == 204
            assert receiver.latest("p1") == {"id": "p1", "status": "succeeded", "logs": "succeeded"}
            assert receiver.latest("p2") is None
        finally:
            await receiver.aclose()

    asyncio.run(main())


def test_the_oldest_states_go_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replicate_webhooks, "_KEPT", 3)

    async def main() -> None:
        receiver = WebhookReceiver()
        base = await receiver.url()
        try:
            async with httpx.AsyncClient() as client:
                for n in range(5):
                    await client.post(f"{base}/p{n}", json={"id": f"p{n}", "status": "succeeded"})
            assert receiver.latest("p0") is None and receiver.latest("p1") is None
            assert receiver.latest("p4") is not None
        finally:
            await receiver.aclose()

    asyncio.run(main())


def test_a_fixed_port_is_used_again_after_a_restart() -> None:
    port = free_port()

    async def main() -> None:
        for _ in range(2):
            receiver = WebhookReceiver(port=port)
            assert await receiver.url() == f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient() as client:
                await client.post(f"http://127.0.0.1:{port}/p", json={"id": "p", "status": "processing"})
            assert receiver.latest("p") is not None
            await receiver.aclose()

    asyncio.run(main())
