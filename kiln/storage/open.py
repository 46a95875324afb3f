"""The storage `KILN_STORAGE_URL` names: `file:///path` (a folder) or `s3://bucket/prefix` (a bucket)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.storage.local import LocalStorage
from kiln.storage.protocol import Storage

__all__ = ["open_storage", "storage_from_url"]

SETTING = "KILN_STORAGE_URL"


def storage_from_url(url: str, *, endpoint_url: str | None = None) -> Storage:
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise InvalidInput(SETTING, f"{url!r}: write a folder as file:///absolute/path")
        return LocalStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc:
            raise InvalidInput(SETTING, f"{url!r} names no bucket: write s3://bucket or s3://bucket/prefix")
        from kiln.storage.s3 import S3Storage  # boto3 is imported only where a bucket is used

        return S3Storage(parts.netloc, unquote(parts.path).strip("/"), endpoint_url=endpoint_url)
    raise InvalidInput(SETTING, f"{url!r}: give file:///path (a folder) or s3://bucket/prefix (S3, R2, MinIO)")


def open_storage(settings: Settings) -> Storage:
    """The settings' storage: `storage_url`, or the folder `output_dir` (today's default)."""
    if settings.storage_url is None:
        return LocalStorage(settings.output_dir)
    return storage_from_url(settings.storage_url, endpoint_url=settings.s3_endpoint_url)
