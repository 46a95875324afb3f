"""Standard Webhooks signatures: the spec's published test vector, verification, and the stored secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiln.config import Settings
from kiln.errors import KilnError
from kiln.events.webhooks import decode_secret, generate_secret, load_secret, sign, signed_headers, verify

# The test vector of the Standard Webhooks spec (and of its reference libraries).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_spec_test_vector() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    assert sign(VECTOR_SECRET.removeprefix("whsec_"), VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE
    headers = {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }
    assert verify(VECTOR_SECRET, headers, VECTOR_BODY, now=VECTOR_TIMESTAMP + 10)


def test_signed_headers_verify_and_tampering_does_not() -> None:
    secret = generate_secret()
    body = b'{"type":"job.completed"}'
    headers = signed_headers(secret, "msg_1", body)
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert verify(secret, headers, body)
    assert verify(secret, {k.title(): v for k, v in headers.items()}, body)  # header names are case-insensitive
    assert not verify(secret, headers, body + b" ")
    assert not verify(generate_secret(), headers, body)
    assert not verify(secret, {**headers, "webhook-id": "msg_2"}, body)
    assert not verify(secret, {k: v for k, v in headers.items() if k != "webhook-signature"}, body)


def test_any_of_several_signatures_may_match_and_old_timestamps_are_refused() -> None:
    secret, other = generate_secret(), generate_secret()
    body = b"{}"
    mine = signed_headers(secret, "msg_1", body, timestamp=1_700_000_000)
    theirs = signed_headers(other, "msg_1", body, timestamp=1_700_000_000)
    rotated = {**mine, "webhook-signature": f"{theirs['webhook-signature']} {mine['webhook-signature']}"}
    assert verify(secret, rotated, body, now=1_700_000_000)
    assert not verify(secret, mine, body, now=1_700_000_000 + 301)
    assert not verify(secret, mine, body, now=1_700_000_000 - 301)


def test_secrets_are_checked() -> None:
    assert len(decode_secret(generate_secret())) == 32
    assert generate_secret() != generate_secret()
    with pytest.raises(KilnError, match="base64"):
        decode_secret("whsec_not base64!")
    with pytest.raises(KilnError, match="24 to 64 bytes"):
        decode_secret("whsec_c2hvcnQ=")
    with pytest.raises(KilnError, match=r"'\.'"):
        signed_headers(generate_secret(), "msg.1", b"{}")


def test_the_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = load_secret(settings)
    assert first.startswith("whsec_")
    assert load_secret(settings) == first
    path = tmp_path / "data" / "webhook_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["webhook_secret"]  # no temporary file left behind
    configured = generate_secret()
    assert load_secret(Settings(data_dir=tmp_path / "data", webhook_secret=configured)) == configured
