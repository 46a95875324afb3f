"""An incremental Server-Sent Events decoder (the WHATWG event-stream format), free of any I/O.

Feed it bytes as they arrive, split anywhere (inside a line, inside a UTF-8 character, between the CR and LF
of a line end); it returns the events completed so far. Lines end in CRLF, LF or CR; `data:` lines of one event
are joined with newlines; a blank line dispatches; lines starting with `:` are comments (keep-alives), reported
as `Comment` so that a reader can tell a quiet but live stream from a dead one. An unfinished event at the end
of the stream is discarded, as the format says.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Comment", "SSEDecoder", "ServerSentEvent"]

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event. `id` is the stream's last event id when it was dispatched."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (`: keep-alive`)."""

    text: str


class SSEDecoder:
    """Turns chunks of an event stream into `ServerSentEvent`s and `Comment`s."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self._last_id: str | None = None
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str | None:
        return self._last_id

    def feed(self, chunk: bytes | str) -> list[ServerSentEvent | Comment]:
        """Decode a chunk; returns what it completed."""
        text = chunk if isinstance(chunk, str) else self._utf8.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        self._buffer += text
        out: list[ServerSentEvent | Comment] = []
        start = 0
        for match in _LINE_END.finditer(self._buffer):
            if match.group() == "\r" and match.end() == len(self._buffer):
                break  # perhaps the first half of a CRLF split across chunks: wait for the next chunk
            self._line(self._buffer[start : match.start()], out)
            start = match.end()
        self._buffer = self._buffer[start:]
        return out

    def close(self) -> list[ServerSentEvent | Comment]:
        """End of stream: completes a line held back for a possible LF; drops an undispatched event."""
        self._buffer += self._utf8.decode(b"", final=True)
        out: list[ServerSentEvent | Comment] = []
        if self._buffer.endswith("\r"):
            self._line(self._buffer[:-1], out)
        self._buffer = ""
        self._event, self._data = "", []
        return out

    def _line(self, line: str, out: list[ServerSentEvent | Comment]) -> None:
        if not line:
            self._dispatch(out)
            return
        if line.startswith(":"):
            out.append(Comment(line[1:].removeprefix(" ")))
            return
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value or None
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        # any other field is ignored

    def _dispatch(self, out: list[ServerSentEvent | Comment]) -> None:
        if self._data:
            out.append(ServerSentEvent(self._event or "message", "\n".join(self._data), self._last_id, self._retry))
        self._event, self._data = "", []
