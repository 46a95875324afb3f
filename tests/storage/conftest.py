"""Every storage contract case runs on a local folder and on an S3 bucket (moto server on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiln.storage.local import LocalStorage
from kiln.storage.protocol import Storage
from tests.s3server import new_bucket


@pytest.fixture(params=["folder", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "folder":
        return LocalStorage(tmp_path / "files")
    from kiln.storage.s3 import S3Storage

    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(new_bucket(endpoint), "some/prefix", endpoint_url=endpoint)
