"""Out-of-memory policy: remember, per signature, the largest micro-batch that fit. Pure, no torch."""

from __future__ import annotations

from kiln.types import Signature

__all__ = ["BatchLimits"]


class BatchLimits:
    """Largest batch size known to fit per signature, learned from out-of-memory errors.

    A size that ran out of memory caps later units of that signature at half of it; the largest size that ran
    is kept for reporting (and for the worker's metrics).
    """

    def __init__(self) -> None:
        self._cap: dict[Signature, int] = {}
        self._fit: dict[Signature, int] = {}

    def cap(self, signature: Signature, requested: int) -> int:
        """The batch size to use for `requested` items of this signature."""
        return max(1, min(requested, self._cap.get(signature, requested)))

    def record_fit(self, signature: Signature, size: int) -> None:
        self._fit[signature] = max(size, self._fit.get(signature, 0))

    def record_oom(self, signature: Signature, size: int) -> int:
        """Note that `size` did not fit; return the size to retry with (half of it, at least 1)."""
        retry = max(1, size // 2)
        self._cap[signature] = min(self._cap.get(signature, size), retry)
        return retry

    def largest_fit(self, signature: Signature) -> int | None:
        return self._fit.get(signature)
