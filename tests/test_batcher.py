"""The pure batcher: grouping by signature, full batches first, waiting with an injected clock."""

from __future__ import annotations

from kiln.engine.batcher import Batcher
from kiln.types import ImageItem
from tests.helpers import make_item


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _sizes(batches: list[list[ImageItem]]) -> list[tuple[int, int]]:
    return [(batch[0].width, len(batch)) for batch in batches]


def test_items_are_grouped_by_signature_into_full_batches() -> None:
    batcher: Batcher[ImageItem] = Batcher(4)
    batcher.add(make_item(i, width=64 if i % 3 else 128) for i in range(20))
    batches = list(batcher.drain())
    assert all(len({item.signature() for item in batch}) == 1 for batch in batches)
    assert sorted(i.index for batch in batches for i in batch) == list(range(20))
    # 7 items at 128 (seen first) and 13 at 64: full batches first, in order of first arrival, then remainders
    assert _sizes(batches) == [(128, 4), (64, 4), (64, 4), (64, 4), (128, 3), (64, 1)]
    assert len(batcher) == 0


def test_a_partial_batch_waits_for_company_until_max_wait() -> None:
    clock = FakeClock()
    batcher: Batcher[ImageItem] = Batcher(4, max_wait=2.0, clock=clock)
    batcher.add([make_item(0), make_item(1)])
    assert batcher.next_batch() is None
    clock.now += 1.0
    batcher.add([make_item(2)])
    assert batcher.next_batch() is None
    clock.now += 1.0
    batch = batcher.next_batch()
    assert batch is not None and [i.index for i in batch] == [0, 1, 2]


def test_late_items_fill_a_waiting_batch() -> None:
    clock = FakeClock()
    batcher: Batcher[ImageItem] = Batcher(3, max_wait=5.0, clock=clock)
    batcher.add([make_item(0), make_item(1, width=128)])
    batcher.add([make_item(2), make_item(3)])
    batch = batcher.next_batch()
    assert batch is not None and [i.index for i in batch] == [0, 2, 3]
    assert batcher.next_batch() is None
    assert batcher.flush() == [make_item(1, width=128)]


def test_order_within_a_signature_is_kept() -> None:
    batcher: Batcher[ImageItem] = Batcher(16)
    batcher.add(make_item(i, steps=2 + i % 2) for i in range(10))
    batches = list(batcher.drain())
    assert [[i.index for i in b] for b in batches] == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
