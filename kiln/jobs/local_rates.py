"""Rates of `kiln generate` runs, for `kiln generate --dry-run` on a machine without a job store: each batch's
seconds per generated image blended into `<data_dir>/local_rates.json` by signature key, as workers blend theirs
into the store (`kiln.jobs.rates`)."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from kiln.jobs.rates import SignatureRate, checked_rate, next_rate

__all__ = ["LocalRates"]


class LocalRates:
    """The rates file of one data folder: read whole, written whole (atomically) after each batch."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, SignatureRate]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        rates = {}
        for key, row in data.items() if isinstance(data, dict) else ():
            try:
                rates[key] = SignatureRate(
                    checked_rate(row["seconds_per_image"]), int(row["units"]), datetime.fromisoformat(row["updated_at"])
                )
            except (KeyError, TypeError, ValueError):
                continue  # a damaged row: forgotten, relearnt at the next run
        return rates

    def record(self, key: str, seconds_per_image: float) -> None:
        rates = self.read()
        rates[key] = next_rate(rates.get(key), checked_rate(seconds_per_image), datetime.now(UTC))
        body = {
            k: {"seconds_per_image": r.seconds_per_image, "units": r.units, "updated_at": r.updated_at.isoformat()}
            for k, r in rates.items()
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump(body, out)
        os.replace(temporary, self.path)
