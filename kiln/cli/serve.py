"""`kiln serve`: the embedded mode in one command: migrate the store, start the workers and the webhook
dispatcher, and serve the API and the studio in this process until Ctrl+C or SIGTERM, then stop it all. Once it
listens, it prints the address to open in a browser.

This process never imports torch (the GPU lives in the worker processes only): everything here, and everything
it imports, stays off `kiln.engine`'s loading and execution modules.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import signal
import socket
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kiln.config import Settings

if TYPE_CHECKING:
    import uvicorn

__all__ = ["open_addresses", "run_server", "serve_command"]

log = logging.getLogger(__name__)


def run_server(settings: Settings) -> None:
    """Run the service until the API server exits; workers (which get these settings) and webhooks stop with it."""
    import httpx
    import uvicorn

    from kiln.api.app import create_app
    from kiln.events.dispatcher import WebhookDispatcher
    from kiln.events.webhooks import SECRET_FILE, load_secret
    from kiln.jobs.sql.migrate import migrate
    from kiln.jobs.sql.store import SqlStore
    from kiln.remote.models import configured_namespaces
    from kiln.storage.open import open_storage
    from kiln.worker.supervisor import WorkerSupervisor, remote_worker_command

    url = settings.resolved_database_url()
    migrate(url)
    store = SqlStore(url)
    secret = load_secret(settings)
    app = create_app(settings, store=store, keys=store, storage=open_storage(settings))
    supervisor = WorkerSupervisor(settings)
    providers = [  # one provider worker per configured remote backend, whatever --workers says (no GPU)
        WorkerSupervisor(settings, devices=[None], command=remote_worker_command(name))
        for name in (configured_namespaces(settings) if settings.remote_workers else [])
    ]
    client = httpx.Client(follow_redirects=False)
    dispatcher = WebhookDispatcher(store, settings, client, secret=secret)
    outputs = settings.storage_url or settings.output_dir
    log.info("store: %s; outputs: %s; %d worker(s)", _safe(url), outputs, supervisor.size)
    for name in configured_namespaces(settings) if settings.remote_workers else []:
        log.info("remote backend %s: a provider worker runs its models (%s:...)", name, name)
    where = "KILN_WEBHOOK_SECRET" if settings.webhook_secret else str(settings.data_dir / SECRET_FILE)
    log.info("webhooks are signed (Standard Webhooks) with the secret in %s", where)
    # once shutting down, no more restarts (Ctrl+C reaches the workers too: they are in this process group)
    config = uvicorn.Config(app, host=settings.host, port=settings.port)
    _redact_uvicorn_logs()  # after the Config, which sets uvicorn's logging up
    every = [supervisor, *providers]

    def hold() -> None:
        for each in every:
            each.hold()

    server = _server(config, on_exit=hold, on_started=lambda: _announce(settings))
    for each in every:
        if each.size:
            each.start()
    dispatcher.start()
    try:
        with _signals_after_shutdown():
            server.run()
    finally:
        log.info("stopping the workers and the webhook dispatcher")
        dispatcher.stop()
        for each in every:
            each.stop()
        client.close()


def _server(config: uvicorn.Config, on_exit: Callable[[], None], on_started: Callable[[], None]) -> uvicorn.Server:
    """uvicorn's server, calling `on_started` once it listens and `on_exit` as soon as a signal asks it to stop."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_started()

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            on_exit()
            super().handle_exit(sig, frame)

    return Server(config)


def _redact_uvicorn_logs() -> None:
    """uvicorn logs each request's path with its query: `?token=` (a WebSocket client's key) shows redacted."""
    from kiln.api.redact import SecretQueryFilter

    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(SecretQueryFilter())


def open_addresses(host: str, port: int) -> list[str]:
    """The URLs to open for a server listening on `host`: for an address that means every interface (0.0.0.0,
    ::), this machine's loopback first and then its name, which other machines may reach."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return [f"http://{host}:{port}/"]  # a name, as given
    if address.is_unspecified:
        loopback = "127.0.0.1" if address.version == 4 else "[::1]"
        return [f"http://{loopback}:{port}/", f"http://{socket.gethostname()}:{port}/"]
    shown = f"[{address}]" if address.version == 6 else str(address)
    return [f"http://{shown}:{port}/"]


def _announce(settings: Settings) -> None:
    """Prints where to open the studio (or the API's docs) and how to sign in."""
    first, *others = open_addresses(settings.host, settings.port)
    line = f"kiln studio: {first}" if settings.studio else f"kiln API: {first}docs (KILN_STUDIO=off)"
    if others:
        line += f" (listening on every interface; from other machines: {', '.join(others)})"
    print(line, flush=True)
    if settings.studio and settings.auth == "on":
        print("sign in with an API key (make one with: kiln keys create --name NAME)", flush=True)


@contextlib.contextmanager
def _signals_after_shutdown() -> Iterator[None]:
    """After a graceful shutdown uvicorn re-raises the signal that caused it to the handlers it found; with
    Python's defaults that would end this process before the workers are stopped, so it finds no-ops here."""
    previous = {sig: signal.signal(sig, lambda _sig, _frame: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _safe(url: str) -> str:
    """A database URL with its password hidden, for logs."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: KILN_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: KILN_PORT, 8000)")] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="Worker processes (default: one per GPU, else one; 0: API only)")
    ] = None,
    no_preload: Annotated[bool, typer.Option("--no-preload", help="Workers load models on first use")] = False,
) -> None:
    """Serve the HTTP API with one worker process per device; restart at any time, nothing finished is lost."""
    from kiln.cli.logs import setup_logging

    setup_logging()
    overrides: dict[str, Any] = {
        name: value for name, value in {"host": host, "port": port, "workers": workers}.items() if value is not None
    }
    if no_preload:
        overrides["preload_model"] = False
    run_server(Settings(**overrides))
