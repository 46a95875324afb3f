"""The batcher: groups items by signature into micro-batches. Pure and steppable, with an injectable clock."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from kiln.types import Signature

__all__ = ["Batchable", "Batcher"]


class Batchable(Protocol):
    def signature(self) -> Signature: ...


T = TypeVar("T", bound=Batchable)


class Batcher(Generic[T]):
    """Queues items per signature and hands out micro-batches of at most `micro_batch` items.

    A full batch goes out at once (oldest signature first). A partial batch goes out once its oldest item has
    waited `max_wait` seconds, or on `flush`, so late items can still join it.
    """

    def __init__(self, micro_batch: int, *, max_wait: float = 0.0, clock: Callable[[], float] = time.monotonic) -> None:
        if micro_batch < 1:
            raise ValueError("micro_batch must be at least 1")
        self.micro_batch = micro_batch
        self.max_wait = max_wait
        self._clock = clock
        self._queues: OrderedDict[Signature, list[tuple[float, T]]] = OrderedDict()

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def add(self, items: Iterable[T]) -> None:
        now = self._clock()
        for item in items:
            self._queues.setdefault(item.signature(), []).append((now, item))

    def _take(self, signature: Signature) -> list[T]:
        queue = self._queues[signature]
        batch, rest = queue[: self.micro_batch], queue[self.micro_batch :]
        if rest:
            self._queues[signature] = rest
        else:
            del self._queues[signature]
        return [item for _, item in batch]

    def next_batch(self) -> list[T] | None:
        """A full batch, else a partial one that has waited long enough, else None."""
        for signature, queue in self._queues.items():
            if len(queue) >= self.micro_batch:
                return self._take(signature)
        now = self._clock()
        for signature, queue in self._queues.items():
            if now - queue[0][0] >= self.max_wait:
                return self._take(signature)
        return None

    def flush(self) -> list[T] | None:
        """The next batch regardless of waiting time (full ones first)."""
        for signature, queue in self._queues.items():
            if len(queue) >= self.micro_batch:
                return self._take(signature)
        if not self._queues:
            return None
        return self._take(next(iter(self._queues)))

    def drain(self) -> Iterator[list[T]]:
        """Every queued item in batches: all full batches first, then the remainders."""
        while (batch := self.flush()) is not None:
            yield batch
