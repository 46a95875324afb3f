"""The SSE decoder: line ends anywhere, multi-line data, comments, ids and retry hints."""

from __future__ import annotations

import json

import pytest

from kiln.sdk.events import Event, event_from_sse
from kiln.sdk.sse import Comment, ServerSentEvent, SSEDecoder

STREAM = (
    b"retry: 2000\n\n"
    b": keep-alive\n\n"
    b'id: 7\nevent: job.state\ndata: {"state": "running"}\n\n'
    b"id: 8\nevent: item.state\ndata: first line\ndata: second line\n\n"
)
EXPECTED = [
    Comment("keep-alive"),
    ServerSentEvent("job.state", '{"state": "running"}', "7", 2000),
    ServerSentEvent("item.state", "first line\nsecond line", "8", 2000),
]


def decode_all(chunks: list[bytes]) -> list[ServerSentEvent | Comment]:
    decoder = SSEDecoder()
    out = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out + decoder.close()


def test_whole_stream() -> None:
    assert decode_all([STREAM]) == EXPECTED


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 11, 64])
def test_any_chunking_gives_the_same_events(size: int) -> None:
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert decode_all(chunks) == EXPECTED


@pytest.mark.parametrize("ending", [b"\r\n", b"\r", b"\n"])
def test_every_line_ending(ending: bytes) -> None:
    stream = STREAM.replace(b"\n", ending)
    for size in (1, 4, len(stream)):  # a CRLF split between chunks is one line end, not two
        assert decode_all([stream[i : i + size] for i in range(0, len(stream), size)]) == EXPECTED


def test_a_utf8_character_split_between_chunks() -> None:
    raw = "data: café ☕\n\n".encode()
    cut = raw.index("☕".encode()) + 1
    assert decode_all([raw[:cut], raw[cut:]]) == [ServerSentEvent("message", "café ☕")]


def test_field_rules() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(
        b"\xef\xbb\xbfdata:no space\n\n"  # a BOM at the start is dropped; the space after the colon is optional
        b"data\n\n"  # a field without a colon has an empty value
        b"id: 3\nunknown: x\ndata: a\n\n"
        b"data: b\n\n"  # the last id carries over to later events
        b"id\ndata: c\n\n"  # an empty id resets it
        b"event: only-type\n\n"  # no data: nothing is dispatched
        b"retry: soon\ndata: d\n\n"  # a retry that is not a number is ignored
    )
    assert events == [
        ServerSentEvent("message", "no space"),
        ServerSentEvent("message", ""),
        ServerSentEvent("message", "a", "3"),
        ServerSentEvent("message", "b", "3"),
        ServerSentEvent("message", "c", None),
        ServerSentEvent("message", "d", None),
    ]


def test_an_unfinished_event_at_the_end_is_dropped() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 1\ndata: complete\n\nid: 2\ndata: cut off") == [
        ServerSentEvent("message", "complete", "1")
    ]
    assert decoder.close() == []
    assert decoder.last_event_id == "2"


def test_kiln_envelope_becomes_an_event() -> None:
    payload = {
        "id": 9,
        "job_id": "job_x",
        "type": "item.state",
        "data": {"index": 3},
        "created_at": "2026-01-01T00:00:00+00:00",
    }
    event = event_from_sse(ServerSentEvent("item.state", json.dumps(payload), "9"), "job_x")
    assert (event.id, event.type, event.job_id, event.data) == (9, "item.state", "job_x", {"index": 3})
    assert event.created_at is not None and event.created_at.year == 2026


def test_other_payloads_are_kept_as_data() -> None:
    assert event_from_sse(ServerSentEvent("ping", '{"a": 1}', "4"), "j") == Event(4, "ping", "j", {"a": 1})
    assert event_from_sse(ServerSentEvent("note", "plain words"), "j") == Event(0, "note", "j", {"text": "plain words"})


def test_final_events() -> None:
    assert Event(1, "job.state", "j", {"state": "completed"}).is_final
    assert not Event(1, "job.state", "j", {"state": "running"}).is_final
    assert not Event(1, "item.state", "j", {"state": "failed"}).is_final
