"""`python -m kiln.api.openapi_dump`: prints the API's OpenAPI document, from which the studio's client types are
generated (`web/scripts/api-types.mjs`). Builds the app over throwaway in-memory parts, so no server is needed."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from kiln.api.app import create_app
from kiln.config import Settings
from kiln.jobs.memory import MemoryStore
from kiln.storage.local import LocalStorage

__all__ = ["openapi_document"]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the app as `kiln serve` builds it."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), url_secret="openapi-document-only")
        store = MemoryStore()
        app = create_app(settings, store=store, keys=store, storage=LocalStorage(Path(folder) / "files"))
        return app.openapi()


if __name__ == "__main__":
    json.dump(openapi_document(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
