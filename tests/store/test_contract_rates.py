"""The rates contract (`kiln.jobs.rates`): each signature's recent seconds per image, blended atomically."""

from __future__ import annotations

import math
import threading

import pytest

from kiln.jobs.memory import MemoryStore
from kiln.jobs.rates import RATE_WEIGHT, SignatureRate
from kiln.types import Signature
from tests.store.conftest import START, FakeClock, Store, StoreFactory

SD = Signature("tiny-sd", "txt2img", 64, 64, 2, 7.0, "euler").key()
FLUX = Signature("tiny-flux", "txt2img", 64, 64, 2, 3.5, "euler").key()


def test_the_first_unit_is_the_rate_and_later_ones_blend_in(store: Store, clock: FakeClock) -> None:
    assert store.signature_rates([SD, FLUX]) == {}
    store.record_rate(SD, 2.0)
    assert store.signature_rates([SD, FLUX]) == {SD: SignatureRate(2.0, 1, START)}
    clock.advance(5)
    store.record_rate(SD, 6.0)
    [(key, rate)] = store.signature_rates([SD, FLUX]).items()
    assert key == SD and rate.units == 2 and rate.updated_at == clock.now
    assert rate.seconds_per_image == pytest.approx(2.0 + RATE_WEIGHT * 4.0)
    store.record_rate(FLUX, 0.0)  # a unit too fast to measure is a rate all the same
    assert store.signature_rates([FLUX])[FLUX].seconds_per_image == 0.0
    assert set(store.signature_rates([SD, FLUX, "never"])) == {SD, FLUX}


def test_recent_units_outweigh_old_ones(store: Store) -> None:
    store.record_rate(SD, 10.0)
    for _ in range(12):
        store.record_rate(SD, 1.0)  # the worker moved to a faster device
    assert store.signature_rates([SD])[SD].seconds_per_image < 1.5


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf, -math.inf])
def test_a_rate_that_is_not_a_finite_number_of_seconds_is_refused(store: Store, bad: float) -> None:
    store.record_rate(SD, 3.0)
    with pytest.raises(ValueError, match="finite number of seconds"):
        store.record_rate(SD, bad)
    assert store.signature_rates([SD])[SD] == SignatureRate(3.0, 1, START)


def test_many_signatures_are_read_at_once_and_odd_keys_name_nothing(store: Store) -> None:
    keys = [Signature("tiny-sd", "txt2img", 64 + 8 * i, 64, 2, 7.0, "euler").key() for i in range(1200)]
    for i, key in enumerate(keys[::3]):
        store.record_rate(key, float(i))
    found = store.signature_rates([*keys, "nul\x00key", "", "x" * 10000])
    assert len(found) == 400 and found[keys[3]].seconds_per_image == 1.0


def test_workers_recording_at_once_lose_no_sample(store: Store, make_store: StoreFactory, clock: FakeClock) -> None:
    """Four writers (each its own connection pool on SQL) record the same signature 25 times each."""
    stores = [store] * 4 if isinstance(store, MemoryStore) else [store, *(make_store(clock) for _ in range(3))]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def record(writer: Store) -> None:
        try:
            start.wait()
            for _ in range(25):
                writer.record_rate(SD, 0.5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(writer,)) for writer in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    rate = store.signature_rates([SD])[SD]
    assert rate.units == 100 and rate.seconds_per_image == pytest.approx(0.5)
