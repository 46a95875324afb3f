"""Scale-out, end to end: PostgreSQL (a private schema), Redis (the event bus) and a moto S3 server; two API
processes (`kiln serve --workers 0`) and three `kiln worker` processes, each on an empty folder of its own (no
shared disk): two in a tiny-sd pool, one in a tiny-flux pool. One 500-item job mixes both models.

Mid-job (after DONE_AT items done) one tiny-sd worker and one API process are killed with -9. The SSE client of the
killed API resumes on the other one with `Last-Event-ID` (as behind a load balancer). Checked afterwards:

- both SSE clients received every item event of the job (their item event ids equal a full replay's);
- the bucket holds exactly 500 objects under the job's folder, one per item, the keys of its 500 artifacts;
- none was written twice: the bucket is versioned, so a second write of a key leaves a second version. Only an item
  cut off by the kill (attempts > 0: its object may have been put before its `done` was committed) may have one
  more version than its attempts allow; every other key has exactly one version;
- every object downloads, the same bytes, through either API process... of which one is dead, so through the live
  one and through a new API process started in the dead one's place.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from kiln.jobs.sql import SqlStore
from kiln.jobs.storage_keys import job_folder
from kiln.sdk import Client, Event
from tests.conditions import wait_until
from tests.e2e.server import create_key, free_port
from tests.postgres import migrated_postgres
from tests.redis_server import REDIS_URL, private_channel, require_redis
from tests.s3server import new_bucket

pytestmark = pytest.mark.slow

TOTAL = 500
DONE_AT = 150  # the kills come once this many items are done (about 30%)
LEASE_SECONDS = 5.0
STORAGE_PREFIX = "kiln"
KILN = [sys.executable, "-m", "kiln.cli"]


def spec(index: int) -> dict[str, Any]:
    """Even items tiny-sd, odd ones tiny-flux (guidance 0: schnell's), at the tiny models' smallest size and steps."""
    item: dict[str, Any] = {"prompt": f"item {index}: a lighthouse", "seed": 1000 + index, "width": 32, "height": 32}
    if index % 2:
        return item | {"model": "tiny-flux", "steps": 1, "guidance": 0.0}
    return item | {"model": "tiny-sd", "steps": 1}


class Proc:
    """A kiln process with its log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


class Api(Proc):
    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(name, [*KILN, "serve", "--port", str(self.port), "--workers", "0"], env, logs)

        def answers() -> bool:
            assert self.process.poll() is None, f"{name} exited: {self.log()}"
            try:
                return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answers, timeout=90, interval=0.2, what=f"{name} to answer")


class Follower:
    """An SSE client of one job on one API process; when that process dies it resumes on `fallback` after the last
    event it saw (`Last-Event-ID`), as a client behind a load balancer would."""

    def __init__(self, key: str, job_id: str, primary: str, fallback: str) -> None:
        self.key, self.job_id, self.urls = key, job_id, [primary, fallback]
        self.events: list[Event] = []
        self.done: set[int] = set()
        self.failed_over = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"sse-{primary}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for url in self.urls:
                try:
                    with Client(url, api_key=self.key, timeout=30, retries=0) as client:
                        after = self.events[-1].id if self.events else 0
                        for event in client.get_job(self.job_id).events(after=after):
                            self.events.append(event)
                            if event.type == "item.state" and event.data["state"] == "done":
                                self.done.add(event.data["index"])
                    return  # the job is final
                except Exception:
                    if url == self.urls[-1]:
                        raise
                    self.failed_over = True
        except BaseException as exc:
            self.error = exc


@contextmanager
def processes() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    try:
        yield started
    finally:
        for proc in started:
            proc.stop()


def test_two_apis_three_pool_workers_no_shared_disk_survive_kill_9(tmp_path: Path, s3_endpoint: str) -> None:
    require_redis()
    import boto3

    bucket = new_bucket(s3_endpoint)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    with ExitStack() as stack:
        database = stack.enter_context(migrated_postgres())
        started = stack.enter_context(processes())

        def env(name: str, **extra: str) -> dict[str, str]:
            own = tmp_path / name  # an empty folder of its own: nothing on disk is shared
            return {
                **os.environ,
                "KILN_DATABASE_URL": database,
                "KILN_STORAGE_URL": f"s3://{bucket}/{STORAGE_PREFIX}",
                "KILN_S3_DOWNLOADS": "stream",
                "KILN_REDIS_URL": REDIS_URL,
                "KILN_REDIS_CHANNEL": channel,
                "KILN_DATA_DIR": str(own / "data"),
                "KILN_OUTPUT_DIR": str(own / "out"),
                "KILN_AUTH": "on",
                "KILN_STUDIO": "off",
                "KILN_DEVICE": "cpu",
                "KILN_THREADS": "1",
                "KILN_LEASE_SECONDS": str(LEASE_SECONDS),
                "KILN_HEARTBEAT_SECONDS": "0.5",
                "HF_HUB_OFFLINE": "1",
                **extra,
            }

        channel = private_channel()
        key = create_key(env("keys"))
        logs = tmp_path
        api_a, api_b = Api("api-a", env("api-a"), logs), Api("api-b", env("api-b"), logs)
        started += [api_a, api_b]
        workers = {
            name: Proc(name, [*KILN, "worker", "--models", model, "--worker-id", name], env(name), logs)
            for name, model in (("sd-0", "tiny-sd"), ("sd-1", "tiny-sd"), ("flux-0", "tiny-flux"))
        }
        started += workers.values()

        def diagnose() -> str:
            return "\n".join(f"--- {p.name}:\n{p.log()}" for p in started)

        began = time.monotonic()
        with Client(api_b.url, api_key=key, timeout=60) as kiln:
            job = kiln.submit_job(items=[spec(i) for i in range(TOTAL)])
        followers = [Follower(key, job.id, api_a.url, api_b.url), Follower(key, job.id, api_b.url, api_a.url)]

        # both kills once DONE_AT items are done, as the surviving API's client sees it
        wait_until(lambda: len(followers[1].done) >= DONE_AT or followers[1].error, timeout=600, interval=0.2)
        assert followers[1].error is None and len(followers[1].done) < TOTAL, diagnose()
        workers["sd-0"].kill()
        api_a.kill()

        for follower in followers:
            follower.thread.join(timeout=900)
            assert not follower.thread.is_alive(), f"the job did not end in time\n{diagnose()}"
            assert follower.error is None, f"{follower.error!r}\n{diagnose()}"
        elapsed = time.monotonic() - began
        print(f"\n{TOTAL} items with 2 tiny-sd workers (one killed) and 1 tiny-flux worker: {elapsed:.0f} s")
        assert followers[0].failed_over and not followers[1].failed_over

        # a new API process in the killed one's place, for the downloads "through either API process"
        api_c = Api("api-c", env("api-c"), logs)
        started.append(api_c)
        with Client(api_b.url, api_key=key, timeout=60) as kiln:
            final = kiln.get_job(job.id).wait(timeout=60)
            assert final.state == "completed" and final.counts.done == TOTAL, (final, diagnose())
            replay = list(kiln.get_job(job.id).events())
            items = kiln.items(job.id, limit=TOTAL).data
            artifacts = kiln.artifacts(job.id)

        # every item event reached both SSE clients, the failed-over one included
        item_events = [e.id for e in replay if e.type.startswith("item.")]
        assert len({e.index for e in items}) == TOTAL
        for follower in followers:
            assert [e.id for e in follower.events if e.type.startswith("item.")] == item_events
            assert follower.done == set(range(TOTAL))

        # one artifact per item, and exactly their 500 objects under the job's folder in the bucket
        assert sorted(a.index for a in artifacts) == list(range(TOTAL))
        store = SqlStore(database)
        try:
            record = store.get_job(job.id)
            assert record is not None
            stored = [(a.id, a.storage_key) for a in store.list_artifacts(job.id)]
        finally:
            store.close()
        keys = {f"{STORAGE_PREFIX}/{storage_key}" for _, storage_key in stored}
        assert len(stored) == TOTAL and {artifact_id for artifact_id, _ in stored} == {a.id for a in artifacts}
        folder = f"{STORAGE_PREFIX}/{job_folder(record.owner, job.id, None)}/"
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder)
        listed = [obj["Key"] for page in pages for obj in page.get("Contents", [])]
        assert len(listed) == TOTAL and set(listed) == keys

        # none written twice: one version per key, except where the kill cut an item off after its put
        version_pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=folder)
        versions = Counter(v["Key"] for page in version_pages for v in page.get("Versions", []))
        attempts = {f"{folder}{i.index:05d}_{i.item['seed']}.png": i.attempts for i in items}
        assert set(versions) == keys == set(attempts)
        rewritten = {k: n for k, n in versions.items() if n > 1}
        assert all(versions[k] <= attempts[k] + 1 for k in rewritten), rewritten
        retried = sum(1 for n in attempts.values() if n > 0)
        assert len(rewritten) <= retried
        print(f"items retried after the kill: {retried}; keys written more than once: {len(rewritten)}")

        # no shared disk: nothing was written to any process's own output folder
        for name in ("api-a", "api-b", "api-c", *workers):
            assert not [p for p in (tmp_path / name / "out").rglob("*") if p.is_file()], name

        # each object downloads, with its bucket bytes, through the live API and the new one
        for api in (api_b, api_c):
            with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
                for artifact_id, storage_key in stored:
                    body = http.get(f"/v1/artifacts/{artifact_id}")
                    assert body.status_code == 200, body.text
                    expected = s3.get_object(Bucket=bucket, Key=f"{STORAGE_PREFIX}/{storage_key}")["Body"].read()
                    assert body.content == expected and body.content[:4] == b"\x89PNG"
