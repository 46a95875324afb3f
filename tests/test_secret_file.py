"""A secret file made once: processes starting together all read the same secret, kept readable by its owner only."""

from __future__ import annotations

import multiprocessing
import secrets
from pathlib import Path

from kiln.api.signing import UrlSigner, load_url_secret
from kiln.config import Settings
from kiln.secret_file import read_or_create


def _load(data_dir: str) -> str:
    return load_url_secret(Settings(data_dir=Path(data_dir))).decode()


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")  # separate processes, as API processes are
    with context.Pool(4) as pool:
        found = pool.map(_load, [str(tmp_path / "data")] * 12)
    assert len(set(found)) == 1 and len(found[0]) == 64
    path = tmp_path / "data" / "url_secret"
    assert path.read_text().strip() == found[0] and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["url_secret"]  # no temporary files left behind


def test_an_existing_secret_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    first = read_or_create(path, lambda: secrets.token_hex(8))
    assert read_or_create(path, lambda: "another") == first
    signer = UrlSigner(load_url_secret(Settings(data_dir=tmp_path)))
    again = UrlSigner(load_url_secret(Settings(data_dir=tmp_path)))
    query = signer.sign("A1")
    assert again.verify("A1", query["expires"], query["signature"])
