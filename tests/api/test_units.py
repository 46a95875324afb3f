"""Small pieces of the API on their own: schemas kept in step, error locations, signing, ZIP names, quotas."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from kiln.api.errors import field_of
from kiln.api.schemas.jobs import ImageDefaults
from kiln.api.signing import UrlSigner
from kiln.api.zipstream import archive_names, zip_chunks
from kiln.jobs.spec import ImageSpec


def test_image_defaults_are_image_spec_without_prompt() -> None:
    spec = ImageSpec.model_json_schema()["properties"]
    defaults = ImageDefaults.model_json_schema()["properties"]
    del spec["prompt"]
    assert defaults == spec


def test_defaults_become_a_spec_with_only_their_fields_set() -> None:
    defaults = ImageDefaults.model_validate({"quality": "HIGH", "format": "jpg", "width": 512}).to_spec()
    assert defaults.model_fields_set == {"quality", "format", "width"}
    assert (defaults.quality, defaults.format, defaults.width) == ("high", "jpeg", 512)


def test_field_of() -> None:
    assert field_of(("body", "images", "items", 3, "width")) == "items.3.width"
    assert field_of(("body", "prompt")) == "prompt"
    assert field_of(("query", "limit")) == "limit"
    assert field_of(("body",)) is None


def test_signed_urls_expire_and_bind_the_artifact() -> None:
    signer = UrlSigner(b"secret", ttl_seconds=60)
    query = signer.sign("A1", now=1000)
    assert signer.verify("A1", query["expires"], query["signature"], now=1059)
    assert not signer.verify("A1", query["expires"], query["signature"], now=1061)
    assert not signer.verify("A2", query["expires"], query["signature"], now=1000)
    assert not signer.verify("A1", str(int(query["expires"]) + 1), query["signature"], now=1000)
    assert not UrlSigner(b"other").verify("A1", query["expires"], query["signature"], now=1000)
    assert not signer.verify("A1", None, None) and not signer.verify("A1", "-5", "x")


def test_zip_names_and_stream(tmp_path: Path) -> None:
    assert archive_names(["p/J/00000.png", "p/J/00001.png"]) == ["00000.png", "00001.png"]
    assert archive_names(["a/x.png", "b/x.png"]) == ["a/x.png", "b/x.png"]
    first, second = tmp_path / "one.bin", tmp_path / "two.bin"
    first.write_bytes(b"1" * 600_000)
    second.write_bytes(b"2" * 10)
    chunks = list(zip_chunks([("one.bin", first), ("two.bin", second)]))
    assert len(chunks) > 1
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.namelist() == ["one.bin", "two.bin"]
        assert archive.read("one.bin") == b"1" * 600_000
        assert archive.testzip() is None
    # a file gone while the archive streams breaks the stream: no archive that looks complete and is not
    streamed = zip_chunks([("one.bin", first), ("gone.bin", tmp_path / "gone.bin"), ("two.bin", second)])
    sent: list[bytes] = []
    with pytest.raises(FileNotFoundError):
        sent.extend(streamed)
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(b"".join(sent)))
