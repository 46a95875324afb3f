"""The job service under load, against a real `kiln serve` (one worker, SQLite, auth on), in one run:

(a) images/s end to end (submit through the SDK to the job's completion) vs. kiln's engine alone in this process on
    the same items at the same micro-batch; (b) the time to submit a 10,000-item job over HTTP (median of 3);
(c) `GET /v1/jobs/{id}` latency with 50 concurrent clients on a job the worker is running (its record changes
    while it is read: the realistic case, not a finished job's cached record); (d) 200 SSE subscribers on one job:
    from its completion until every stream has closed, and whether each got the final event.

    apt-get install wrk    # optional: (c)'s load generator; without it, httpx (the table says which measured)
    .venv/bin/python -m bench.service [--images 256] [--size 128] [--steps 25] [--micro-batch 16]

Steps default to 25, kiln's `fast` preset (the fewest a quality preset asks for). End to end, every image also
costs a fixed few milliseconds on this CPU that the engine alone does not pay (PNG encoding with its recipe, an
fsync'd atomic write, the store's transaction and events); with fewer steps (`--steps 8`) that fixed cost is a larger
share of a tiny model's ~14 ms image, and the ratio drops accordingly.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from kiln.sdk import AsyncClient, Client, Job
from tests.e2e.server import create_key, serve_env, serving

MODEL = "tiny-sd"


@dataclass(frozen=True)
class Server:
    url: str
    key: str


@contextmanager
def serve(root: Path, micro_batch: int) -> Iterator[Server]:
    """`kiln serve --workers 1` on a free port with its state under `root`, in its own process group, and a key
    made by `kiln keys create`: the end-to-end tests' launcher (`tests/e2e/server.py`)."""
    env = serve_env(root, KILN_MICRO_BATCH=str(micro_batch), KILN_DEFAULT_MODEL=MODEL)
    key = create_key(env, "bench")
    with serving(env, root / "serve.log") as server:
        yield Server(server.url, key)


def _defaults(args: argparse.Namespace) -> dict[str, Any]:
    return {"model": MODEL, "width": args.size, "height": args.size, "steps": args.steps}


def _prompts(count: int, tag: str) -> list[str]:
    return [f"{tag} {i}: a harbour at dawn, boats" for i in range(count)]


def _seconds(since: datetime, until: datetime | None) -> float:
    assert until is not None
    return (until - since).total_seconds()


# (a) end to end


def end_to_end(kiln: Client, args: argparse.Namespace) -> tuple[float, Job]:
    """Images/s from the submit to the job's completion (the store's clock: the same machine)."""
    warm = kiln.submit_job(_prompts(args.micro_batch, "warm-up"), defaults=_defaults(args), start_seed=1)
    warm.wait(timeout=600)  # the worker's model is loaded and its shapes are warm, as the engine's will be
    started = datetime.now(UTC)
    job = kiln.submit_job(_prompts(args.images, "scene"), defaults=_defaults(args), start_seed=1000)
    final = job.wait(timeout=1200)
    assert final.state == "completed" and final.counts.done == args.images, final
    return args.images / _seconds(started, final.finished_at), job


def planned_items(kiln: Client, job_id: str) -> list[dict[str, Any]]:
    """Every item of the job as planned, page by page (a page holds at most 1,000)."""
    planned: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = kiln.items(job_id, offset=offset, limit=1000)
        planned += [item.item for item in page.data]
        offset = page.next_offset
    return planned


def engine_alone(planned: list[dict[str, Any]], args: argparse.Namespace) -> float:
    """Images/s of `kiln.engine.executor.Engine` in this process on the job's very items, micro-batch by
    micro-batch (run once the server is down, so the engine has the machine to itself as the worker had)."""
    import torch

    from kiln.config import Settings
    from kiln.engine.executor import Engine
    from kiln.types import ImageItem

    torch.set_num_threads(2)
    items = [ImageItem.from_dict(item) for item in planned]
    engine = Engine(Settings(threads=2, device="cpu", micro_batch=args.micro_batch))
    engine.run(items[: args.micro_batch])  # warm-up, as the worker had
    started = time.perf_counter()
    for i in range(0, len(items), args.micro_batch):
        engine.run(items[i : i + args.micro_batch])
    return len(items) / (time.perf_counter() - started)


# (b) submitting a large job


def submit_times(kiln: Client, count: int, rounds: int) -> list[float]:
    """Seconds for `POST /v1/jobs` of `count` prompts, each round; the jobs are canceled at once."""
    prompts = _prompts(count, "bulk")
    times: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        job = kiln.submit_job(prompts, defaults={"model": MODEL, "width": 64, "height": 64, "steps": 2})
        times.append(time.perf_counter() - started)
        job.cancel()
    return times


# (c) GET latency under concurrency


@contextmanager
def running_job(kiln: Client, args: argparse.Namespace) -> Iterator[Job]:
    """A job of `--running-items` images that the worker is working on (state `running`), canceled afterwards."""
    job = kiln.submit_job(_prompts(args.running_items, "running"), defaults=_defaults(args), start_seed=5000)
    try:
        deadline = time.monotonic() + 120
        while (status := job.refresh()).state != "running" or status.counts.done == 0:
            assert status.state in ("queued", "running") and time.monotonic() < deadline, status
            time.sleep(0.1)
        yield job
    finally:
        job.cancel()


async def get_latencies(server: Server, job_id: str, clients: int, requests: int) -> tuple[list[float], float]:
    """Latencies of `requests` GETs of one job from `clients` concurrent clients; and the wall time."""
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {server.key}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=60) as http:
        await http.get(f"/v1/jobs/{job_id}")  # connection and first-request costs out of the way

        async def client(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                response = await http.get(f"/v1/jobs/{job_id}")
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        share = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in share))
        return latencies, time.perf_counter() - started


@dataclass(frozen=True)
class GetLoad:
    """GET latency percentiles and throughput, and the load generator that measured them."""

    p50: float
    p99: float
    requests_per_second: float
    tool: str


_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


def _wrk_seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match is not None, text
    return float(match[1]) * _WRK_UNITS[match[2]]


def wrk_load(server: Server, job_id: str, clients: int, seconds: float) -> GetLoad:
    """`wrk` (a C load generator, so the client is not what limits the server on 2 cores): `clients` connections
    sending GETs back to back for `seconds`."""

    def run(duration: float) -> str:
        done = subprocess.run(
            ["wrk", "-t1", f"-c{clients}", f"-d{duration:g}s", "--latency",
             "-H", f"Authorization: Bearer {server.key}", f"{server.url}/v1/jobs/{job_id}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    run(2)  # warm-up, not measured: connections opened, the job's record and rendering cached
    out = run(seconds)
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    p50 = _wrk_seconds(re.search(r"50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _wrk_seconds(re.search(r"99%\s+(\S+)", out)[1])  # type: ignore[index]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    return GetLoad(p50, p99, rate, "wrk")


def get_load(server: Server, job_id: str, args: argparse.Namespace) -> GetLoad:
    """With `wrk` when it is installed (`apt-get install wrk`), else with httpx's async client (which needs more
    CPU per request than the server does, so on 2 cores it measures itself as much as the server)."""
    if shutil.which("wrk"):
        return wrk_load(server, job_id, args.get_clients, args.get_seconds)
    latencies, wall = asyncio.run(get_latencies(server, job_id, args.get_clients, args.get_requests))
    return GetLoad(percentile(latencies, 0.5), percentile(latencies, 0.99), len(latencies) / wall, "httpx")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# (d) many SSE subscribers


async def subscribers(server: Server, args: argparse.Namespace) -> tuple[float, int, float]:
    """(seconds from the job's completion until the last of the streams closed, streams that got the final event,
    seconds to connect them all). A higher-priority job holds the worker until every stream is open."""
    count = args.subscribers
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=count + 10))
    async with AsyncClient(server.url, api_key=server.key, timeout=120, transport=transport) as kiln:
        blocker = await kiln.submit_job(
            _prompts(4, "blocker"), defaults={**_defaults(args), "steps": 150, "width": 256, "height": 256}, priority=10
        )
        target = await kiln.submit_job(_prompts(args.micro_batch, "watched"), defaults=_defaults(args))
        connected = 0
        all_connected = asyncio.Event()
        closed_at: list[float] = []
        finals = 0

        async def follow() -> None:
            nonlocal connected, finals
            first = True
            async for event in target.events():
                if first:
                    first = False
                    connected += 1
                    if connected == count:
                        all_connected.set()
                if event.is_final:
                    finals += 1
            closed_at.append(time.time())

        started = time.perf_counter()
        tasks = [asyncio.create_task(follow()) for _ in range(count)]
        await asyncio.wait_for(all_connected.wait(), timeout=120)
        connect_seconds = time.perf_counter() - started
        await blocker.cancel()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=300)
        final = await target.refresh()
        assert final.finished_at is not None and final.state == "completed", final
        return max(closed_at) - final.finished_at.timestamp(), finals, connect_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--micro-batch", type=int, default=16)
    parser.add_argument("--submit-items", type=int, default=10_000)
    parser.add_argument("--running-items", type=int, default=1000, help="(c): the running job's images")
    parser.add_argument("--get-clients", type=int, default=50)
    parser.add_argument("--get-requests", type=int, default=2000, help="without wrk: GETs in all")
    parser.add_argument("--get-seconds", type=float, default=10.0, help="with wrk: how long to load")
    parser.add_argument("--subscribers", type=int, default=200)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory(prefix="kiln-bench-") as tmp:
        with serve(Path(tmp), args.micro_batch) as server, Client(server.url, api_key=server.key, timeout=120) as kiln:
            console.print("(a) end to end ...")
            e2e_rate, job = end_to_end(kiln, args)
            console.print("(b) submits ...")
            submits = submit_times(kiln, args.submit_items, 3)
            console.print("(c) GET latency on a running job ...")
            with running_job(kiln, args) as running:
                done_before = running.refresh().counts.done
                load = get_load(server, running.id, args)
                during = running.refresh()
                assert during.state == "running", during  # the load was on a running job from start to end
            console.print("(d) SSE subscribers ...")
            close_after, finals, connect = asyncio.run(subscribers(server, args))
            planned = planned_items(kiln, job.id)
        assert len(planned) == args.images, f"{len(planned)} items read back of {args.images}"
        console.print("(a) the engine alone ...")
        engine_rate = engine_alone(planned, args)

    p50, p99 = load.p50, load.p99
    submit = statistics.median(submits)
    ratio = e2e_rate / engine_rate
    table = Table("measurement", "result", "goal", "met", title=_title(args))
    table.add_row("(a) end to end, img/s", f"{e2e_rate:.1f}", "", "")
    table.add_row("(a) engine alone, img/s", f"{engine_rate:.1f}", "", "")
    table.add_row("(a) end to end / engine", f"{ratio:.3f}x", "≥ 0.90x", _met(ratio >= 0.9))
    table.add_row(
        f"(b) submit {args.submit_items:,} items, median of 3",
        f"{submit * 1000:.0f} ms  ({', '.join(f'{s * 1000:.0f}' for s in submits)})",
        "< 1000 ms",
        _met(submit < 1.0),
    )
    table.add_row("(c) GET load generator", _tool(load.tool), "", "")
    table.add_row(
        "(c) the job read: running, images done",
        f"{done_before} → {during.counts.done} of {args.running_items}",
        "",
        "",
    )
    table.add_row(f"(c) GET job, p50 ({args.get_clients} clients)", f"{p50 * 1000:.1f} ms", "", "")
    table.add_row(f"(c) GET job, p99 ({args.get_clients} clients)", f"{p99 * 1000:.1f} ms", "< 50 ms", _met(p99 < 0.05))
    table.add_row("(c) GET job, throughput", f"{load.requests_per_second:.0f} req/s", "", "")
    table.add_row(f"(d) {args.subscribers} SSE streams: connect all", f"{connect:.2f} s", "", "")
    table.add_row(f"(d) {args.subscribers} SSE streams: completion → all closed", f"{close_after:.2f} s", "", "")
    table.add_row(
        f"(d) {args.subscribers} SSE streams: got the final event",
        f"{finals}/{args.subscribers}",
        "all",
        _met(finals == args.subscribers),
    )
    console.print(table)


def _tool(tool: str) -> str:
    if tool == "wrk":
        return "wrk"
    return "httpx, in this process (wrk is not installed: apt-get install wrk)"


def _met(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


def _title(args: argparse.Namespace) -> str:
    return (
        f"kiln serve, 1 worker, {MODEL} {args.size}x{args.size}, {args.steps} steps, micro-batch {args.micro_batch}, "
        f"{args.images} images"
    )


if __name__ == "__main__":
    main()
