"""Input images by URL against a real HTTP server on loopback: limits, refusals, redirects."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from kiln.errors import InvalidInput
from kiln.media.fetch import fetch_bytes, fetch_image
from tests.bomb import bomb_png


def _png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


SMALL = _png((16, 16))
BIG = _png((400, 400)) + b"\0" * 50_000  # PNG readers ignore bytes after IEND


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[str]
    release: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        if self.path == "/small.png":
            self._send(SMALL)
        elif self.path == "/big.png":
            self._send(BIG)
        elif self.path == "/big-unsized.png":  # no Content-Length: only counting the bytes can stop it
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(BIG)
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/small.png")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/bomb.png":
            self._send(bomb_png())
        elif self.path == "/text":
            self._send(b"hello, not an image", "text/plain")
        elif self.path == "/stalls":
            self.server.release.wait(10)  # answers only once the test is done with it
            self._send(SMALL)
        else:
            self.send_error(404)

    def _send(self, body: bytes, content_type: str = "image/png") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.requests, httpd.release = [], threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_downloads_an_image_when_private_addresses_are_allowed(server: _Server, tmp_path: Path) -> None:
    saved = fetch_image(url(server, "/small.png"), tmp_path / "in.png", allow_private=True)
    assert saved.read_bytes() == SMALL
    assert list(tmp_path.iterdir()) == [saved]  # no partial file left behind
    assert fetch_bytes(url(server, "/text"), allow_private=True) == b"hello, not an image"  # any file, unchecked


def test_loopback_is_refused_without_the_flag_before_any_request(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        fetch_image(url(server, "/small.png"), tmp_path / "in.png")
    assert caught.value.field == "image"
    assert "non-public address" in caught.value.message and "KILN_INPUT_ALLOW_PRIVATE" in caught.value.message
    assert "WEBHOOK" not in caught.value.message
    assert server.requests == []
    with pytest.raises(InvalidInput, match="points at this machine"):
        fetch_image("http://localhost:9/x.png", tmp_path / "in.png")


@pytest.mark.parametrize("path", ["/big.png", "/big-unsized.png"])
def test_an_image_over_the_size_limit_is_refused(server: _Server, tmp_path: Path, path: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        fetch_image(url(server, path), tmp_path / "in.png", allow_private=True, max_bytes=20_000)
    assert "over the 20,000-byte limit" in caught.value.message
    assert not list(tmp_path.iterdir())


def test_redirects_are_followed_and_checked_again(server: _Server, tmp_path: Path) -> None:
    saved = fetch_image(url(server, "/moved"), tmp_path / "in.png", allow_private=True)
    assert saved.read_bytes() == SMALL
    assert server.requests == ["/moved", "/small.png"]


def test_a_slow_server_hits_the_time_limit(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"took longer than 0\.3 s"):
        fetch_image(url(server, "/stalls"), tmp_path / "in.png", allow_private=True, timeout=0.3)


@pytest.mark.parametrize(("path", "fragment"), [("/text", "not an image"), ("/missing.png", "HTTP 404")])
def test_what_is_not_an_image_is_named(server: _Server, tmp_path: Path, path: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        fetch_image(url(server, path), tmp_path / "in.png", allow_private=True)


def test_a_decompression_bomb_is_refused_by_its_header(server: _Server, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="KILN_MAX_INPUT_PIXELS") as caught:
        fetch_image(url(server, "/bomb.png"), tmp_path / "in.png", allow_private=True, field="items.0.image")
    assert caught.value.field == "items.0.image" and not (tmp_path / "in.png").exists()


def test_only_http_urls_are_fetched(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not an http"):
        fetch_image("file:///etc/hostname", tmp_path / "in.png", allow_private=True)
