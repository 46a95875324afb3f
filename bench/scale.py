"""Scale-out figures, in one run: event latency from the store's commit to an SSE client, through the Redis event
bus (`KILN_REDIS_URL`) against today's polling of the store (every 0.2 s); and images/s of one tiny-sd job with one
`kiln worker --models tiny-sd` process against two.

A real `kiln serve --workers 0` (the API alone, SQLite) per mode; this process plays the worker: it appends
`bench.tick` events to a job through a store of its own (publishing to Redis as `kiln worker` does, in the Redis
mode) at random intervals of 5-25 ms, and takes the time each `append_event` returned (committed). A thread of this
process follows the job's SSE stream and takes the time each tick arrives; both clocks are this process's
`perf_counter`. Warm-up ticks come first (the API subscribes to Redis with its first stream) and are not counted.

    .venv/bin/python -m bench.scale [--events 300] [--redis redis://127.0.0.1:6379/0] [--images 500] [--size 64]
        [--steps 4] [--threads 1]

Polling's latency is about half its interval plus the read; Redis's is a publish, a wake-up and the same read.

Throughput: the same job (tiny-sd, `--images` items of `--size` px and `--steps` steps) in a fresh SQLite store,
run by one worker process, then by two (each `--threads` torch threads, models preloaded). Images/s counts from the
first item's start to the last one's finish as the store recorded them, so process start and model load are left
out. The figure is this machine's: with as few cores as workers' threads, two workers compete for the same cores
rather than adding any, and the output says how many cores there are.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from kiln.config import Settings
from kiln.events.bus import publish_commits
from kiln.jobs.records import NewJob
from kiln.jobs.sql import SqlStore, migrate
from tests.conditions import wait_until
from tests.e2e.server import free_port, serve_env
from tests.helpers import make_item

WARM_UP = 20


@dataclass(frozen=True)
class Latency:
    mode: str
    events: int
    p50_ms: float
    p99_ms: float
    max_ms: float


@contextmanager
def api_alone(root: Path, env_extra: dict[str, str]) -> Iterator[str]:
    """`kiln serve --workers 0` on a free port with its state under `root`; yields its URL."""
    port = free_port()
    env = serve_env(root, KILN_AUTH="off", KILN_STUDIO="off", **env_extra)
    log = (root / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiln.cli", "serve", "--port", str(port), "--workers", "0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"kiln serve exited: {(root / 'serve.log').read_text()}")
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(healthy, timeout=60, interval=0.1, what="kiln serve to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _follow(url: str, job_id: str, arrived: dict[int, float], stop: threading.Event) -> None:
    """Takes the arrival time of each event of the job's stream, until `stop`."""
    with httpx.Client(timeout=None) as http, http.stream("GET", f"{url}/v1/jobs/{job_id}/events") as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                arrived[json.loads(line[5:])["id"]] = time.perf_counter()
            if stop.is_set():
                return


def measure(mode: str, root: Path, events: int, redis_url: str | None) -> Latency:
    root.mkdir(parents=True)
    env_extra = {}
    settings = Settings(data_dir=root / "data")
    if redis_url is not None:
        channel = f"kiln-bench:{uuid.uuid4().hex}"
        env_extra = {"KILN_REDIS_URL": redis_url, "KILN_REDIS_CHANNEL": channel}
        settings = Settings(data_dir=root / "data", redis_url=redis_url, redis_channel=channel)
    database = settings.resolved_database_url()
    (root / "data").mkdir()
    migrate(database)
    store = SqlStore(database)
    publisher = publish_commits(store, settings)  # the worker's side
    job = store.create_job(NewJob(), [make_item(0)])
    arrived: dict[int, float] = {}
    committed: dict[int, float] = {}
    stop = threading.Event()
    rng = random.Random(7)
    try:
        with api_alone(root, env_extra) as url:
            reader = threading.Thread(target=_follow, args=(url, job.id, arrived, stop), daemon=True)
            reader.start()
            for i in range(WARM_UP + events):
                tick = store.append_event(job.id, "bench.tick", {"i": i})
                if i >= WARM_UP:
                    committed[tick.id] = time.perf_counter()
                time.sleep(rng.uniform(0.005, 0.025))
            wait_until(lambda: committed.keys() <= arrived.keys(), timeout=60, what="every tick to arrive")
            stop.set()
            store.append_event(job.id, "bench.end", {})  # lets the reader see `stop`
            reader.join(timeout=10)
    finally:
        if publisher is not None:
            publisher.close()
        store.close()
    latencies = sorted((arrived[i] - committed[i]) * 1000 for i in committed)
    p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
    return Latency(mode, len(latencies), statistics.median(latencies), p99, latencies[-1])


@dataclass(frozen=True)
class Throughput:
    workers: int
    images: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.images / self.seconds


def run_workers(root: Path, workers: int, images: int, size: int, steps: int, threads: int) -> Throughput:
    """One tiny-sd job of `images` items run to completion by `workers` `kiln worker` processes on one store."""
    root.mkdir(parents=True)
    database = f"sqlite:///{root / 'kiln.db'}"
    migrate(database)
    store = SqlStore(database)
    items = [make_item(i, width=size, height=size, steps=steps) for i in range(images)]
    job = store.create_job(NewJob(), items)
    env = serve_env(root, KILN_DATABASE_URL=database, KILN_THREADS=str(threads), KILN_HEARTBEAT_SECONDS="0.5")
    log = (root / "workers.log").open("ab")
    command = [sys.executable, "-m", "kiln.cli", "worker", "--models", "tiny-sd"]
    processes = [
        subprocess.Popen([*command, "--worker-id", f"bench-{n}"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for n in range(workers)
    ]

    def finished() -> bool:
        if any(p.poll() is not None for p in processes):
            raise RuntimeError(f"a worker exited: {(root / 'workers.log').read_text()[-3000:]}")
        record = store.get_job(job.id)
        return record is not None and record.state in ("completed", "failed", "canceled")

    try:
        wait_until(finished, timeout=3600, interval=0.2, what="the job to finish")
        done = store.list_items(job.id, limit=images)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        log.close()
        store.close()
    starts = [i.started_at for i in done if i.started_at is not None]
    ends = [i.finished_at for i in done if i.finished_at is not None and i.state == "done"]
    if len(ends) != images:
        raise RuntimeError(f"only {len(ends)} of {images} images were made: {(root / 'workers.log').read_text()}")
    return Throughput(workers, images, (max(ends) - min(starts)).total_seconds())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--images", type=int, default=500, help="items of the throughput job")
    parser.add_argument("--size", type=int, default=64, help="width and height of its images (tiny-sd: 32 or more)")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of each worker process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiln-bench-scale-") as tmp:
        polling = measure("polling the store (0.2 s)", Path(tmp) / "polling", args.events, None)
        redis = measure("Redis event bus", Path(tmp) / "redis", args.events, args.redis)
        runs = [
            run_workers(Path(tmp) / f"workers-{n}", n, args.images, args.size, args.steps, args.threads) for n in (1, 2)
        ]
    table = Table(title="Event latency, commit to SSE client (kiln serve --workers 0, SQLite, one stream)")
    for column in ("mode", "events", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for row in (polling, redis):
        table.add_row(row.mode, str(row.events), f"{row.p50_ms:.1f}", f"{row.p99_ms:.1f}", f"{row.max_ms:.1f}")
    console = Console()
    console.print(table)
    console.print(
        f"Redis vs polling: p50 {polling.p50_ms / redis.p50_ms:.1f}x lower, p99 {polling.p99_ms / redis.p99_ms:.1f}x "
        "lower (same machine, same run)"
    )
    cores = os.cpu_count() or 1
    title = (
        f"Images/s, one tiny-sd job of {args.images} images at {args.size} px, {args.steps} steps "
        f"(kiln worker --models tiny-sd, {args.threads} torch thread(s) each, SQLite)"
    )
    throughput = Table(title=title)
    for column in ("workers", "images", "seconds", "images/s", "vs one worker"):
        throughput.add_column(column, justify="right")
    for run in runs:
        ratio = run.per_second / runs[0].per_second
        throughput.add_row(
            str(run.workers), str(run.images), f"{run.seconds:.1f}", f"{run.per_second:.2f}", f"{ratio:.2f}x"
        )
    console.print(throughput)
    console.print(
        f"This machine has {cores} CPU core(s) and no GPU: two workers compete for the same {cores} core(s) rather "
        "than each bringing its own GPU, so the second worker adds at most what one worker left idle (store, "
        "storage and event work between pipeline calls); on machines with a GPU each, throughput grows with workers."
    )


if __name__ == "__main__":
    main()
