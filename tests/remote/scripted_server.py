"""A real HTTP server on 127.0.0.1 that answers each request with the next of a scripted list of answers, and
records what it was sent (method, path, headers, body), for the remote backends' retry tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Answer", "Received", "ScriptedServer", "scripted_server"]


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any = None  # JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class ScriptedServer:
    def __init__(self, answers: Sequence[Answer]) -> None:
        self.answers = list(answers)
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.url = ""

    def next_answer(self, received: Received) -> Answer:
        with self.lock:
            self.received.append(received)
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@contextmanager
def scripted_server(answers: Sequence[Answer]) -> Iterator[ScriptedServer]:
    """The server, listening until the block ends; the last answer repeats once the script runs out."""
    script = ScriptedServer(answers)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = script.next_answer(Received(self.command, self.path, headers, body))
            data = json.dumps(answer.body).encode() if answer.body is not None else b""
            self.send_response(answer.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    script.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
