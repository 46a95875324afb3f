"""An S3 bucket (AWS S3, Cloudflare R2, MinIO, or moto in tests) as artifact storage, through boto3.

A key lives at `<prefix>/<key>` in the bucket. One PUT is atomic to readers (an object is absent or whole), so an
item is done only after its object exists, as with a folder. There are no folders to prune; a job's files go by
listing its prefix. Downloads may skip kiln: `presigned_url` signs a GET that names the file and its type.
"""

from __future__ import annotations

import mimetypes
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from kiln.errors import InvalidInput
from kiln.storage.local import CHUNK_BYTES, safe_relative_path

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

__all__ = ["S3Storage", "StorageUnavailable"]

_MISSING = {"NoSuchKey", "404", "NotFound"}
_DELETE_BATCH = 1000  # the most keys one DeleteObjects takes


class StorageUnavailable(OSError):
    """The bucket refused or did not answer (credentials, a missing bucket, the network): `OSError`, as a full
    disk is, so callers treat both as storage trouble (retry later, 507), never as the request's fault."""


def _unavailable(exc: Exception) -> StorageUnavailable:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return StorageUnavailable(f"S3 {error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": "))
    return StorageUnavailable(f"S3: {exc}")


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3Storage:
    """Objects under `prefix` in `bucket`. `endpoint_url` None: boto3's own choice (`AWS_ENDPOINT_URL`, else AWS);
    credentials and region come from the standard AWS chain (environment, config files, instance roles)."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = str(safe_relative_path(prefix, "KILN_STORAGE_URL")) + "/" if prefix.strip("/") else ""
        # path-style requests: MinIO and local servers have no per-bucket host names; AWS and R2 take both
        config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"})
        self.client: S3Client = boto3.client("s3", endpoint_url=endpoint_url, config=config)

    def __repr__(self) -> str:
        return f"S3Storage(s3://{self.bucket}/{self.prefix})"

    def key(self, relative: str) -> str:
        path = safe_relative_path(relative, "path")
        if not path.parts:
            raise InvalidInput("path", "an empty key names no file")
        return self.prefix + str(path)

    def _folder_key(self, folder: str) -> str:
        """The prefix of every key in `folder` ("": the whole storage)."""
        parts = safe_relative_path(folder, "path").parts
        return self.prefix + "".join(f"{part}/" for part in parts)

    def exists(self, relative: str) -> bool:
        return self.size(relative) is not None

    def size(self, relative: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.key(relative))["ContentLength"])
        except ClientError as exc:
            if _missing(exc):
                return None
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc

    def sizes(self, keys: Iterable[str]) -> dict[str, int]:
        wanted = {self.key(key): key for key in keys}
        folders = {full.rpartition("/")[0] + "/" if "/" in full else "" for full in wanted}
        found: dict[str, int] = {}
        for folder in sorted(folders):
            for full, size in self._sizes_under(folder):
                if full in wanted:
                    found[wanted[full]] = size
        return found

    def _sizes_under(self, folder_key: str) -> Iterator[tuple[str, int]]:
        pages = self.client.get_paginator("list_objects_v2")
        try:
            for page in pages.paginate(Bucket=self.bucket, Prefix=folder_key, Delimiter="/"):
                for item in page.get("Contents", []):
                    yield item["Key"], int(item["Size"])
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    def write(self, relative: str, data: bytes) -> str:
        key = self.key(relative)
        try:
            # the type by the name, for readers of the bucket itself (kiln's presigned URLs name it anyway)
            kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=kind)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc
        return key

    def _get(self, relative: str, byte_range: str | None = None) -> Any:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key(relative)}
        if byte_range is not None:
            params["Range"] = byte_range
        try:
            return self.client.get_object(**params)["Body"]
        except ClientError as exc:
            if _missing(exc):
                raise FileNotFoundError(relative) from None
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc

    def read(self, relative: str) -> bytes:
        body = self._get(relative)
        with body:
            return bytes(body.read())

    def stream(self, relative: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        whole = start == 0 and end is None
        body = self._get(relative, None if whole else f"bytes={start}-{'' if end is None else end}")
        return self._chunks(body)

    @staticmethod
    def _chunks(body: Any) -> Iterator[bytes]:
        with body:
            yield from body.iter_chunks(CHUNK_BYTES)

    def _keys_under(self, folder_key: str, *, direct: bool) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2")
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": folder_key}
        if direct:
            params["Delimiter"] = "/"
        try:
            for page in pages.paginate(**params):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    def list_names(self, folder: str) -> list[str]:
        return sorted(PurePosixPath(key).name for key in self._keys_under(self._folder_key(folder), direct=True))

    def delete(self, relative: str, *, prune: str | None = None) -> None:
        # `prune` is for folders: a bucket has none to leave behind
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(relative))
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from exc

    def delete_folder(self, folder: str) -> None:
        keys = list(self._keys_under(self._folder_key(folder), direct=False))
        for start in range(0, len(keys), _DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            try:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
            except (ClientError, BotoCoreError) as exc:
                raise _unavailable(exc) from exc

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        suffix = PurePosixPath(relative).suffix
        with tempfile.TemporaryDirectory(prefix="kiln-s3-") as folder:
            path = Path(folder) / f"copy{suffix}"  # the suffix kept: readers guess a format by it
            with path.open("wb") as handle:
                for chunk in self.stream(relative):
                    handle.write(chunk)
            yield path

    def presigned_url(self, relative: str, *, filename: str, content_type: str, expires_in: int) -> str | None:
        params = {
            "Bucket": self.bucket,
            "Key": self.key(relative),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": f'inline; filename="{filename}"',
        }
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def check_writable(self) -> None:
        probe = f".kiln-probe-{secrets.token_hex(8)}"
        try:
            self.write(probe, b"ok")
            if self.read(probe) != b"ok":
                raise StorageUnavailable(f"an object written to s3://{self.bucket}/{self.prefix} read back different")
        finally:
            with suppress(OSError):
                self.delete(probe)
