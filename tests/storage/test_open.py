"""`KILN_STORAGE_URL` picks the storage: a folder by default (as before the setting), `file:///path`, or
`s3://bucket/prefix`; anything else is refused naming the setting and the forms it takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.storage.local import LocalStorage
from kiln.storage.open import open_storage, storage_from_url
from kiln.storage.s3 import S3Storage


def test_the_default_is_the_output_folder(tmp_path: Path) -> None:
    storage = open_storage(Settings(output_dir=tmp_path / "out"))
    assert isinstance(storage, LocalStorage) and storage.root == tmp_path / "out"


def test_a_file_url_is_a_folder(tmp_path: Path) -> None:
    storage = open_storage(Settings(output_dir=tmp_path / "unused", storage_url=f"file://{tmp_path}/my%20files"))
    assert isinstance(storage, LocalStorage) and storage.root == tmp_path / "my files"


def test_an_s3_url_is_a_bucket_with_a_prefix_and_the_settings_endpoint(s3_endpoint: str) -> None:
    storage = open_storage(Settings(storage_url="s3://media/studio/one/", s3_endpoint_url=s3_endpoint))
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == ("media", "studio/one/")
    assert storage.client.meta.endpoint_url == s3_endpoint
    bare = storage_from_url("s3://media")
    assert isinstance(bare, S3Storage) and bare.prefix == "" and bare.key("a/b.png") == "a/b.png"


@pytest.mark.parametrize(
    "url",
    ["s3://", "s3:///prefix", "gs://bucket/x", "/plain/path", "file://host/path", "file://", "s3://b/../up"],
)
def test_other_urls_are_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        storage_from_url(url)
    assert refused.value.field == "KILN_STORAGE_URL"
