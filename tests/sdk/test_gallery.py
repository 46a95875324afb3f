"""The SDK's gallery methods against a live server (auth on, real HTTP), sync and async alike."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from kiln.sdk import AsyncClient, Client, GalleryArtifact, ImageFields, NotFoundError
from tests.sdk.server import LiveServer, live_server

SPEC: ImageFields = {"width": 64, "height": 64, "steps": 2}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with live_server(tmp_path) as live:
        yield live


def test_browse_star_thumbnail_and_delete(server: LiveServer) -> None:
    with Client(server.url, api_key=server.key, timeout=20, backoff=0.01) as kiln:
        job = kiln.submit_job(["a red fox", "a blue heron", "a green frog"], defaults=SPEC)
        assert job.wait(timeout=60).state == "completed"
        page = kiln.gallery(limit=2)
        assert len(page) == 2 and page.next is not None
        everything = list(kiln.iter_gallery(page_size=2))
        assert [a.id for a in everything[:2]] == [a.id for a in page] and len(everything) == 3
        assert all(isinstance(a, GalleryArtifact) and a.job_id == job.id for a in everything)
        [heron] = kiln.gallery(q="BLUE heron")
        assert heron.prompt == "a blue heron" and heron.infotext and heron.seed is not None
        with Image.open(io.BytesIO(kiln.thumbnail(heron, size=64))) as image:
            assert image.format == "WEBP" and max(image.size) <= 64
        kiln.star(heron)
        assert [a.id for a in kiln.gallery(starred=True)] == [heron.id]
        kiln.star(heron, starred=False)
        assert list(kiln.gallery(starred=True)) == []
        assert kiln.delete_artifacts([heron, heron.id]) == 1
        assert heron.id not in {a.id for a in kiln.iter_gallery()}
        with pytest.raises(NotFoundError):
            kiln.thumbnail(heron.id)


def test_the_async_client_browses_too(server: LiveServer) -> None:
    async def browse() -> list[str]:
        async with AsyncClient(server.url, api_key=server.key, timeout=20, backoff=0.01) as kiln:
            job = await kiln.submit_job(["one", "two"], defaults=SPEC)
            await job.wait(timeout=60)
            found = [a.id async for a in kiln.iter_gallery(page_size=1, media="image")]
            await kiln.star(found[0])
            assert [a.id for a in await kiln.gallery(starred=True)] == [found[0]]
            assert (await kiln.thumbnail(found[1]))[:4] == b"RIFF"
            assert await kiln.delete_artifacts(found) == 2
            return found

    assert len(asyncio.run(browse())) == 2
