"""The `KeyStore` and `WebhookOutbox` contracts, and the webhook a job's final state enqueues."""

from __future__ import annotations

from datetime import timedelta

from kiln.jobs.keys import hash_token
from kiln.jobs.records import NewJob
from tests.helpers import make_item
from tests.store.conftest import FakeClock, Store, artifact

HOOK = "https://hooks.example.test/kiln"
JOB_ID = "01J0BWEBHK0000000000000000"  # of an id's form: a store names nothing by a string that is not

# API keys


def test_a_created_key_authenticates_by_its_token(store: Store, clock: FakeClock) -> None:
    record, token = store.create_key("ci", 500)
    assert token.startswith("kiln_") and len(token) > 40
    assert record.prefix == token[:13] and record.name == "ci" and record.quota_per_day == 500
    assert record.created_at == clock.now and record.active
    assert store.authenticate(token) == record
    assert store.authenticate(token + "x") is None
    assert store.authenticate(hash_token(token)) is None  # the stored hash is not a token
    assert store.authenticate("") is None


def test_keys_are_listed_oldest_first_and_revoked_keys_stop_working(store: Store, clock: FakeClock) -> None:
    first, first_token = store.create_key("first")
    clock.advance(1)
    second, second_token = store.create_key("second", quota_per_day=None)
    assert [k.id for k in store.list_keys()] == [first.id, second.id]
    assert first_token != second_token and second.quota_per_day is None
    clock.advance(1)
    assert store.revoke_key(first.id)
    assert store.authenticate(first_token) is None
    assert store.authenticate(second_token) == second
    revoked = store.list_keys()[0]
    assert revoked.revoked_at == clock.now and not revoked.active
    clock.advance(1)
    assert store.revoke_key(first.id)  # again: still revoked, at the first time
    assert store.list_keys()[0].revoked_at == revoked.revoked_at
    assert not store.revoke_key("01NOSUCHKEY0000000000000000")


def test_a_key_is_read_by_its_id_revoked_or_not(store: Store, clock: FakeClock) -> None:
    """What a session cookie (which names a key's id, never its token) is checked against."""
    record, _ = store.create_key("studio", 40)
    assert store.get_key(record.id) == record
    clock.advance(1)
    store.revoke_key(record.id)
    revoked = store.get_key(record.id)
    assert revoked is not None and not revoked.active and revoked.revoked_at == clock.now
    assert store.get_key("01NOSUCHKEY0000000000000000") is None


# the outbox


def test_an_enqueued_webhook_is_due_at_once(store: Store, clock: FakeClock) -> None:
    payload = {"id": "job", "state": "completed", "counts": {"done": 1}}
    delivery_id = store.enqueue_webhook(JOB_ID, HOOK, payload)
    [due] = store.due_webhooks()
    assert (due.id, due.job_id, due.url, dict(due.payload)) == (delivery_id, JOB_ID, HOOK, payload)
    assert (due.state, due.attempts, due.last_error, due.delivered_at) == ("pending", 0, None, None)
    assert due.next_attempt_at == clock.now and due.created_at == clock.now


def test_retry_delays_and_delivery_ends(store: Store, clock: FakeClock) -> None:
    delivery_id = store.enqueue_webhook(JOB_ID, HOOK, {"n": 1})
    store.mark_retry(delivery_id, "HTTP 500", clock.now + timedelta(seconds=30))
    assert store.due_webhooks() == []
    clock.advance(30)
    [due] = store.due_webhooks()
    assert (due.attempts, due.last_error) == (1, "HTTP 500")
    store.mark_delivered(delivery_id)
    [delivered] = store.list_webhooks(JOB_ID)
    assert (delivered.state, delivered.attempts, delivered.delivered_at) == ("delivered", 2, clock.now)
    assert store.due_webhooks() == []
    store.mark_dead(delivery_id, "too late")  # no longer pending: nothing changes
    assert store.list_webhooks(JOB_ID) == [delivered]


def test_a_dead_delivery_is_never_due(store: Store, clock: FakeClock) -> None:
    delivery_id = store.enqueue_webhook(JOB_ID, HOOK, {})
    store.mark_dead(delivery_id, "HTTP 410")
    [dead] = store.list_webhooks(JOB_ID)
    assert (dead.state, dead.attempts, dead.last_error) == ("dead", 1, "HTTP 410")
    clock.advance(3600)
    assert store.due_webhooks() == []


def test_due_webhooks_come_soonest_first_up_to_the_limit(store: Store, clock: FakeClock) -> None:
    ids = [store.enqueue_webhook(f"0{n}JOB", HOOK, {"n": n}) for n in range(4)]
    store.mark_retry(ids[0], "later", clock.now + timedelta(seconds=5))
    clock.advance(10)
    assert [d.id for d in store.due_webhooks()] == [ids[1], ids[2], ids[3], ids[0]]
    assert [d.id for d in store.due_webhooks(limit=2)] == [ids[1], ids[2]]
    assert store.list_webhooks("09JOB") == []


# webhooks of jobs


def test_a_finished_job_enqueues_its_summary(store: Store, clock: FakeClock) -> None:
    created = store.create_job(NewJob(webhook_url=HOOK), [make_item(0), make_item(1)])
    unit = store.claim("w", max_items=2, lease_seconds=30)
    assert unit is not None
    store.complete_item(unit.id, unit.items[0].id, artifact("0.png"))
    assert store.list_webhooks(created.id) == []  # not final yet
    clock.advance(2)
    store.fail_item(unit.id, unit.items[1].id, "broke")
    [delivery] = store.due_webhooks()
    finished = store.get_job(created.id)
    assert finished is not None and delivery.job_id == created.id and delivery.url == HOOK
    assert dict(delivery.payload) == {
        "id": created.id,
        "state": "completed",
        "total": 2,
        "counts": {"pending": 0, "running": 0, "done": 1, "failed": 1, "canceled": 0},
        "error": None,
        "created_at": created.created_at.isoformat(),
        "finished_at": clock.now.isoformat(),
    }
    assert finished.finished_at == clock.now


def test_failed_and_canceled_jobs_enqueue_too_and_jobs_without_a_url_do_not(store: Store) -> None:
    failing = store.create_job(NewJob(webhook_url=HOOK), [make_item(0)])
    unit = store.claim("w", max_items=1, lease_seconds=30)
    assert unit is not None
    store.fail_item(unit.id, unit.items[0].id, "broke")
    canceled = store.create_job(NewJob(webhook_url=HOOK), [make_item(0)])
    store.cancel_job(canceled.id)
    store.cancel_job(canceled.id)  # already final: no second delivery
    silent = store.create_job(NewJob(), [make_item(0)])
    store.cancel_job(silent.id)
    assert [d.payload["state"] for d in store.list_webhooks(failing.id)] == ["failed"]
    assert [d.payload["state"] for d in store.list_webhooks(canceled.id)] == ["canceled"]
    assert store.list_webhooks(silent.id) == []


def test_every_failed_job_says_why_in_its_record_listing_and_webhook(store: Store) -> None:
    """A job whose only item failed (a model that could not be loaded, say) carries the reason everywhere a job is
    told: its record, the job listing, and its webhook payload."""
    job = store.create_job(NewJob(webhook_url=HOOK), [make_item(0)])
    unit = store.claim("w", max_items=1, lease_seconds=30)
    assert unit is not None
    store.fail_item(unit.id, unit.items[0].id, "the model 'x/y' could not be loaded")
    reason = "no item of 1 succeeded; item 0: the model 'x/y' could not be loaded"
    record = store.get_job(job.id)
    assert record is not None and (record.state, record.error) == ("failed", reason)
    [listed] = store.list_jobs(states=["failed"])
    assert listed.error == reason
    [delivery] = store.list_webhooks(job.id)
    assert delivery.payload["error"] == reason


def test_a_delivery_outlives_its_deleted_job(store: Store) -> None:
    created = store.create_job(NewJob(webhook_url=HOOK), [make_item(0)])
    store.cancel_job(created.id)
    store.delete_job(created.id)
    assert [d.job_id for d in store.due_webhooks()] == [created.id]
