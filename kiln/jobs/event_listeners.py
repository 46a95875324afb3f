"""Who hears that events were committed: listeners a store calls after each write that appended events.

A listener gets the ids of the jobs whose events the write committed, after the commit, so whatever it tells can
already be read back with `events_after`. It runs on the writer's thread: it must be quick, must not call the
store, and what it raises is logged, never the writer's failure (the write has happened).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["EventListener", "EventListeners", "EventNotifying"]

log = logging.getLogger(__name__)

EventListener = Callable[[frozenset[str]], None]


@runtime_checkable
class EventNotifying(Protocol):
    """A store that tells listeners which jobs got events, once they are committed."""

    def add_event_listener(self, listener: EventListener) -> None: ...


class EventListeners:
    """The listeners of one store."""

    def __init__(self) -> None:
        self._listeners: tuple[EventListener, ...] = ()

    def add(self, listener: EventListener) -> None:
        self._listeners = (*self._listeners, listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def notify(self, job_ids: frozenset[str]) -> None:
        for listener in self._listeners:
            try:
                listener(job_ids)
            except Exception:
                log.exception("an event listener failed (the events are committed all the same)")
