"""A real local HTTP server that plays a recorded transcript of Replicate's hosted API.

A transcript (`tests/remote/transcripts/*.json`) is a list of request/response pairs, served in order: each
request that comes in is checked against the next pair's `request` (method, path, which of the two hosts, header
and JSON body subsets, headers that must be absent), and answered with its `response`. The transcripts are
reconstructed from Replicate's documented API shapes, not captured from the live API (see each file's `about`).

Two ports stand for two hosts: `{api}` (api.replicate.com/v1) and `{delivery}` (replicate.delivery, where outputs
live), so a test can see that the API token is not sent to the delivery host. `{api}` and `{delivery}` in a
response are replaced by the servers' URLs; an `image` response is a flat image drawn with Pillow.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

__all__ = ["TRANSCRIPTS", "Transcript", "transcript_server"]

TRANSCRIPTS = Path(__file__).parent / "transcripts"


class Transcript:
    """The pairs still to serve, what the servers received and every mismatch found."""

    def __init__(self, exchanges: list[dict[str, Any]]) -> None:
        self.pending = list(exchanges)
        self.received: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.urls: dict[str, str] = {}
        self.lock = threading.Lock()

    def fill(self, value: Any) -> Any:
        """`{api}` and `{delivery}` in the strings of a response replaced by the servers' URLs."""
        if isinstance(value, str):
            for name, url in self.urls.items():
                value = value.replace("{" + name + "}", url)
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value

    def answer(self, host: str, method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        with self.lock:
            self.received.append({"host": host, "method": method, "path": path, "headers": headers})
            if not self.pending:
                self.problems.append(f"unexpected {method} {path} on {host}: the transcript is over")
                return {"status": 599, "json": {"detail": "transcript over"}}
            exchange = self.pending.pop(0)
        expected = exchange["request"]
        where = f"{method} {path} on {host}"
        if (expected["method"], expected["path"], expected.get("host", "api")) != (method, path, host):
            self.problems.append(f"{where}, expected {expected['method']} {expected['path']}")
        for name, value in expected.get("headers", {}).items():
            if headers.get(name.lower()) != value:
                self.problems.append(f"{where}: header {name} is {headers.get(name.lower())!r}, expected {value!r}")
        self.problems += [f"{where}: header {n} was sent" for n in expected.get("absent_headers", []) if n in headers]
        if "json" in expected:
            sent = json.loads(body or b"null")
            for key, value in expected["json"].items():
                if not isinstance(sent, dict) or sent.get(key) != value:
                    got = sent.get(key) if isinstance(sent, dict) else sent
                    self.problems.append(f"{where}: body {key!r} is {got!r}, expected {value!r}")
        response: dict[str, Any] = self.fill(exchange["response"])
        return response


def _image(spec: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", tuple(spec["size"]), tuple(spec["colour"])).save(out, format=spec["format"])
    return out.getvalue()


def _handler(transcript: Transcript, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = transcript.answer(host, self.command, self.path, headers, body)
            if "image" in response:
                payload, kind = _image(response["image"]), f"image/{response['image']['format'].lower()}"
            else:
                payload, kind = json.dumps(response.get("json", {})).encode(), "application/json"
            self.send_response(response["status"])
            for name, value in response.get("headers", {}).items():
                self.send_header(name, value)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


@contextmanager
def transcript_server(name: str) -> Iterator[Transcript]:
    """Serve `transcripts/<name>.json` on two loopback ports; `transcript.urls["api"]` is the API's base URL."""
    data = json.loads((TRANSCRIPTS / f"{name}.json").read_text())
    transcript = Transcript(data["exchanges"])
    servers = {host: ThreadingHTTPServer(("127.0.0.1", 0), _handler(transcript, host)) for host in ("api", "delivery")}
    threads = [threading.Thread(target=s.serve_forever, args=(0.02,), daemon=True) for s in servers.values()]
    for host, server in servers.items():
        port = server.server_address[1]
        transcript.urls[host] = f"http://127.0.0.1:{port}" + ("/v1" if host == "api" else "")
    for thread in threads:
        thread.start()
    try:
        yield transcript
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
