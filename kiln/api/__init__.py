"""The HTTP API: FastAPI over the job store, key store and storage. Never imports torch."""

from kiln.api.app import create_app

__all__ = ["create_app"]
