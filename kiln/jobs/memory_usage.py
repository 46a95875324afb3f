"""`UsageLedger`: `MemoryStore`'s usage ledger (`kiln.jobs.quota`), called under the store's lock."""

from __future__ import annotations

from datetime import datetime

from kiln.jobs.quota import QUOTA_WINDOW, Charge, refusal

__all__ = ["UsageLedger"]


class UsageLedger:
    """Charges by owner, oldest first; a charge outlives its job."""

    def __init__(self) -> None:
        self._charges: dict[str, list[tuple[datetime, int]]] = {}

    def charge(self, owner: str, charge: Charge, now: datetime) -> None:
        """Records `charge`; first, with a quota, `QuotaExceeded` (or `OverQuota`) when it does not fit."""
        charges = self._charges.setdefault(owner, [])
        if charge.quota is not None:
            error = refusal([c for c in charges if c[0] >= now - QUOTA_WINDOW], charge, now)
            if error is not None:
                raise error
        charges.append((now, charge.images))
        charges.sort(key=lambda c: c[0])

    def images_since(self, owner: str, since: datetime) -> int:
        return sum(images for charged_at, images in self._charges.get(owner, ()) if charged_at >= since)
