"""kill -9 in the middle, nothing lost: a real `kiln serve` runs 300 images of two jobs (3 sizes, 2 priorities),
the whole process group is killed at about 40%, a new `kiln serve` on the same folders finishes the rest.

Checked afterwards: exactly 300 artifacts (API and disk), none twice, no finished file written again (same inode
and mtime), every file's embedded recipe is its item's, the items cut off by the kill were retried once, and the
high-priority job (submitted second) had all its items claimed before the low-priority job's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kiln.jobs.sql.store import SqlStore
from kiln.jobs.sql.tables import ITEMS
from kiln.jobs.storage_keys import job_folder
from kiln.media.images import read_metadata
from kiln.sdk import Client, Event, Job
from tests.conditions import wait_until
from tests.e2e.server import create_key, serve_env, serving

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches process groups in /proc (Linux)"),
]

SIZES = [(64, 64), (96, 64), (64, 96)]
PER_JOB = 150
TOTAL = 2 * PER_JOB
STEPS = 16
# 50 items of each size per job: whole units of 10, so no unit mixes the two jobs and claim order shows in starts
MICRO_BATCH = 10
LEASE_SECONDS = 5.0
KILL_AT = int(TOTAL * 0.4)


def specs(tag: str, first_seed: int) -> list[dict[str, Any]]:
    return [
        {
            "prompt": f"{tag} scene {i}: a lighthouse in a storm",
            "width": SIZES[i % len(SIZES)][0],
            "height": SIZES[i % len(SIZES)][1],
            "seed": first_seed + i,
        }
        for i in range(PER_JOB)
    ]


class DoneCounter:
    """Follows jobs' SSE streams in threads and counts items done; `reached` is set at `target`."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.done: set[tuple[str, int]] = set()
        self.reached = threading.Event()
        self.stopping = threading.Event()  # set before the kill: the streams' errors after it are expected
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def follow(self, job: Job) -> None:
        thread = threading.Thread(target=self._run, args=(job,), name=f"follow-{job.id}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _run(self, job: Job) -> None:
        try:
            for event in job.events():
                if self.stopping.is_set():
                    return
                self._seen(event)
        except Exception as exc:
            if not self.stopping.is_set():
                self.errors.append(exc)

    def _seen(self, event: Event) -> None:
        if event.type == "item.state" and event.data["state"] == "done":
            with self._lock:
                self.done.add((event.job_id, event.data["index"]))
                if len(self.done) >= self.target:
                    self.reached.set()

    def join(self, timeout: float) -> None:
        for thread in self._threads:
            thread.join(timeout)
            assert not thread.is_alive(), f"{thread.name} still follows its stream"


@contextmanager
def store_at(root: Path) -> Iterator[SqlStore]:
    """The server's own database, opened directly (only while no server runs)."""
    store = SqlStore(f"sqlite:///{root / 'data' / 'kiln.db'}")
    try:
        yield store
    finally:
        store.close()


def leases_lapsed(store: SqlStore) -> bool:
    """Whether every lease of the killed worker has run out (its items may then be claimed again)."""
    with store.engine.connect() as conn:
        latest = conn.execute(select(func.max(ITEMS.c.lease_expires_at)).where(ITEMS.c.state == "running")).scalar()
    if latest is None:
        return True
    latest = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
    return bool(datetime.now(UTC) > latest)


def test_a_killed_server_resumes_without_losing_or_redoing_work(tmp_path: Path) -> None:
    env = serve_env(
        tmp_path,
        KILN_MICRO_BATCH=str(MICRO_BATCH),
        KILN_LEASE_SECONDS=str(LEASE_SECONDS),
        KILN_HEARTBEAT_SECONDS="0.5",
        KILN_DEFAULT_MODEL="tiny-sd",
    )
    key = create_key(env)
    out = tmp_path / "out"
    defaults = {"model": "tiny-sd", "steps": STEPS}

    # 1. the first server: submit (low priority first, so priority has to beat first-come), follow, kill at 40%
    counter = DoneCounter(KILL_AT)
    with serving(env, tmp_path / "serve-1.log") as server:
        with (
            Client(server.url, api_key=key, timeout=30) as kiln,
            Client(server.url, api_key=key, timeout=30, retries=0) as follow,
        ):
            low = kiln.submit_job(items=specs("low", 5000), defaults=defaults, priority=0, prefix="low")
            high = kiln.submit_job(items=specs("high", 1000), defaults=defaults, priority=5, prefix="high")
            for job in (low, high):
                counter.follow(follow.get_job(job.id))
            reached = counter.reached.wait(timeout=240)
            counter.stopping.set()
            assert reached, f"only {len(counter.done)} items done; {counter.errors}\n{server.log()}"
            server.kill_group()
        counter.join(timeout=30)
    assert not counter.errors, counter.errors
    seen_at_kill = len(counter.done)

    # 2. what the kill left: finished items with their files, the unit that was cut off
    with store_at(tmp_path) as store:
        items_then = {j.id: store.list_items(j.id, limit=1000) for j in (low, high)}
        done_then = {(r.job_id, r.index) for rs in items_then.values() for r in rs if r.state == "done"}
        cut_off = {(r.job_id, r.index) for rs in items_then.values() for r in rs if r.state == "running"}
        keys_then = [a.storage_key for j in (low, high) for a in store.list_artifacts(j.id)]
        assert seen_at_kill <= len(done_then) < TOTAL, "the kill came after the run"  # mid-run, by the store too
        assert len(keys_then) == len(done_then)
        files_then = {k: (out / k).stat() for k in keys_then}
        wait_until(lambda: leases_lapsed(store), timeout=LEASE_SECONDS + 30, what="the killed worker's leases")

    # 3. a new server on the same folders finishes both jobs
    with serving(env, tmp_path / "serve-2.log") as server, Client(server.url, api_key=key, timeout=30) as kiln:
        finals = {job.id: kiln.get_job(job.id).wait(timeout=240) for job in (low, high)}
        assert all(f.state == "completed" and f.counts.done == PER_JOB for f in finals.values()), finals
        items = {job.id: kiln.items(job.id, limit=1000).data for job in (low, high)}
        artifacts = {job.id: kiln.artifacts(job.id) for job in (low, high)}
        events = {job.id: list(kiln.get_job(job.id).events()) for job in (low, high)}

    # exactly 300 artifacts, one per (job, index), through the API...
    assert sum(len(a) for a in artifacts.values()) == TOTAL
    for job_id, listed in artifacts.items():
        assert sorted(a.index for a in listed) == list(range(PER_JOB)), f"duplicate or missing artifacts: {job_id}"
    # ...and on disk, where each item has its file at its key and nothing else is there
    with store_at(tmp_path) as store:  # each job writes under its owner's and its own folder
        owners = {job_id: record.owner for job_id in (low.id, high.id) if (record := store.get_job(job_id))}
    folders = {
        job_id: job_folder(owners[job_id], job_id, prefix) for job_id, prefix in ((low.id, "low"), (high.id, "high"))
    }
    expected = {
        f"{folders[job_id]}/{i.index:05d}_{i.item['seed']}.png": (job_id, i)
        for job_id, its in items.items()
        for i in its
    }
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")}
    assert len(expected) == TOTAL and on_disk == set(expected)

    # a finished item's file is never written again: same inode (a rewrite renames a new file in) and mtime
    assert files_then, "nothing was finished before the kill"
    for relative, before in files_then.items():
        after = (out / relative).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), relative

    # each file carries its own item's recipe
    submitted = {(job_id, i): spec for job_id, tag, seed in ((low.id, "low", 5000), (high.id, "high", 1000))
                 for i, spec in enumerate(specs(tag, seed))}  # fmt: skip
    for relative, (job_id, item) in expected.items():
        recipe = read_metadata(out / relative).recipe
        assert recipe is not None, relative
        made = recipe["item"]
        spec = submitted[(job_id, item.index)]
        assert item.state == "done"
        for name in ("prompt", "seed", "width", "height"):
            assert made[name] == item.item[name] == spec[name], (relative, name)
        assert made["steps"] == item.item["steps"] == STEPS and made["index"] == item.index

    # items finished before the kill ran once; those cut off by it were run again, with the attempt counted
    attempts = {(job_id, i.index): i.attempts for job_id, its in items.items() for i in its}
    assert all(attempts[k] == 0 for k in done_then)
    assert all(attempts[k] == 1 for k in cut_off)

    # priority: once the high-priority job was queued, no item of the low one was claimed before all of its own
    queued = next(e.id for e in events[high.id] if e.type == "job.state" and e.data["state"] == "queued")
    claims = {job_id: [e.id for e in evs if e.type == "item.state" and e.data["state"] == "running"]
              for job_id, evs in events.items()}  # fmt: skip
    low_after = [event_id for event_id in claims[low.id] if event_id > queued]
    assert len(claims[high.id]) >= PER_JOB and low_after
    assert max(claims[high.id]) < min(low_after), "a low-priority item was claimed before a high-priority one"
