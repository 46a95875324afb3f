"""Event listeners hear of committed events by job id, after the commit (memory, SQLite and PostgreSQL alike).

The Redis event bus publishes what they hear (`kiln.events.bus`), so a listener must find the events readable."""

from __future__ import annotations

import pytest

from kiln.jobs.event_listeners import EventNotifying
from kiln.jobs.records import NewJob
from tests.store.conftest import Store, artifact, claim, items


def test_a_listener_hears_of_each_committed_write_by_job(store: Store) -> None:
    heard: list[frozenset[str]] = []
    assert isinstance(store, EventNotifying)
    store.add_event_listener(heard.append)
    first = store.create_job(NewJob(), items(2))
    second = store.create_job(NewJob(), items(1))
    assert set().union(*heard) == {first.id, second.id}
    heard.clear()
    unit = claim(store)  # both jobs' items in one unit: both jobs' events
    assert set().union(*heard) == {first.id, second.id}
    heard.clear()
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    assert heard and set().union(*heard) == {unit.items[0].job_id}
    heard.clear()
    store.append_event(first.id, "item.progress", {"step": 1, "steps": 2, "items": [1]})
    assert heard == [frozenset({first.id})]
    heard.clear()
    store.pending_count()  # reads tell nothing
    assert heard == []


def test_what_a_listener_hears_of_is_readable_already(store: Store) -> None:
    """The SQL store calls listeners after its commit: another connection reads the events (the memory store holds
    its lock, which readers wait on, so there the question does not arise)."""
    created = store.create_job(NewJob(), items(1))
    seen: list[list[str]] = []

    def listener(job_ids: frozenset[str]) -> None:
        if created.id in job_ids:
            seen.append([e.type for e in store.events_after(created.id, 0)])

    assert isinstance(store, EventNotifying)
    store.add_event_listener(listener)
    store.append_event(created.id, "control", {"action": "pause"})
    assert seen == [["job.state", "control"]]


def test_a_failing_listener_is_not_the_writers_failure(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    def broken(job_ids: frozenset[str]) -> None:
        raise RuntimeError("the bus is down")

    assert isinstance(store, EventNotifying)
    store.add_event_listener(broken)
    created = store.create_job(NewJob(), items(1))
    assert [e.type for e in store.events_after(created.id, 0)] == ["job.state"]
    assert "event listener failed" in caplog.text
