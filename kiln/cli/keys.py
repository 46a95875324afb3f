"""`kiln keys create|list|revoke`: API keys in the configured store. A token is shown once, at creation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.keys import ApiKeyRecord, KeyStore
from kiln.jobs.quota import quota_text

__all__ = ["keys_app"]

console = Console()
_QUOTA_HELP = "Images per rolling 24 hours (a motion job counts the frames a model makes; default: unlimited)"
keys_app = typer.Typer(name="keys", help="Create, list and revoke API keys.", no_args_is_help=True)


def _store() -> KeyStore:
    from kiln.jobs.sql.migrate import migrate
    from kiln.jobs.sql.store import SqlStore

    url = Settings().resolved_database_url()
    migrate(url)
    return SqlStore(url)


def _quota(key: ApiKeyRecord) -> str:
    return quota_text(key.quota_per_day)


@keys_app.command("create")
def create_command(
    name: Annotated[str, typer.Option(help="Who or what the key is for")],
    quota: Annotated[int | None, typer.Option(min=1, help=_QUOTA_HELP)] = None,
) -> None:
    """Create a key and print its token (only now: kiln keeps a hash)."""
    if not name.strip():
        raise InvalidInput("name", "give the key a name, e.g. --name ci")
    key, token = _store().create_key(name.strip(), quota)
    console.print(f"Created key {key.id} ({key.name}, {_quota(key)}). Its token, shown only this once:")
    print(token)


@keys_app.command("list")
def list_command() -> None:
    """List the keys, revoked ones included (tokens are never shown)."""
    keys = _store().list_keys()
    if not keys:
        console.print("No API keys yet: `kiln keys create --name NAME`.")
        return
    table = Table("id", "name", "prefix", "quota", "created", "state")
    for key in keys:
        state = "active" if key.active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M}"
        table.add_row(key.id, key.name, key.prefix + "…", _quota(key), f"{key.created_at:%Y-%m-%d %H:%M}", state)
    console.print(table)


@keys_app.command("revoke")
def revoke_command(key_id: Annotated[str, typer.Argument(help="The key's id (see `kiln keys list`)")]) -> None:
    """Revoke a key: requests with its token are refused from now on."""
    if not _store().revoke_key(key_id):
        raise InvalidInput("key", f"no key {key_id!r}; see `kiln keys list`")
    console.print(f"Revoked {key_id}.")
