"""`kiln keys create|list|revoke` against a SQLite store in a temporary data folder."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kiln.cli.app import app
from kiln.config import Settings
from kiln.jobs.sql.store import SqlStore


def test_create_list_and_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"KILN_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    created = runner.invoke(app, ["keys", "create", "--name", "ci bot", "--quota", "500"], env=env)
    assert created.exit_code == 0, created.output
    token = created.output.strip().splitlines()[-1]
    assert token.startswith("kiln_") and len(token) == 48
    store = SqlStore(Settings(data_dir=tmp_path).resolved_database_url())
    try:
        key = store.authenticate(token)
        assert key is not None and (key.name, key.quota_per_day) == ("ci bot", 500)
        listed = runner.invoke(app, ["keys", "list"], env=env)
        assert listed.exit_code == 0 and key.id in listed.output
        assert "500 images per rolling 24 hours" in listed.output
        assert token not in listed.output  # shown once, at creation only
        revoked = runner.invoke(app, ["keys", "revoke", key.id], env=env)
        assert revoked.exit_code == 0, revoked.output
        assert store.authenticate(token) is None
        assert "revoked" in runner.invoke(app, ["keys", "list"], env=env).output
        unknown = runner.invoke(app, ["keys", "revoke", "nope"], env=env)
        assert unknown.exit_code != 0
    finally:
        store.close()
