"""Worker pools' pure rules (`kiln.jobs.pools`): parsing `--models`, pool names, what live workers serve, and the
message of a job that waits for a model no live worker serves."""

from __future__ import annotations

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.pools import (
    claim_keys,
    parse_pool,
    pool_name,
    served_by,
    unserved_models,
    waiting_message,
    worker_pool,
)
from kiln.worker.supervisor import settings_env


def test_parse_pool_strips_and_drops_repeats() -> None:
    assert parse_pool(" tiny-sd , tiny-flux,tiny-sd") == ("tiny-sd", "tiny-flux")


@pytest.mark.parametrize("text", ["", " ", "tiny-sd,", ",tiny-sd", "tiny-sd,,tiny-flux", "a\x00b", "x" * 1001])
def test_parse_pool_refuses_empty_and_odd_names_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_pool(text, field="KILN_WORKER_MODELS")
    assert refused.value.field == "KILN_WORKER_MODELS"


def test_parse_pool_refuses_too_many_models() -> None:
    with pytest.raises(InvalidInput, match="at most 64"):
        parse_pool(",".join(f"org/model-{i}" for i in range(65)))


def test_claim_keys_hold_names_locations_and_tasks_without_a_model() -> None:
    assert claim_keys(["tiny-sd", "tiny-flux"]) == {"", "tiny-sd", "tiny-flux"}
    with pytest.raises(InvalidInput, match="unknown model 'tiny-sdd'") as refused:
        claim_keys(["tiny-sdd"], field="KILN_WORKER_MODELS")  # a typo is refused, not served for ever by nobody
    assert refused.value.field == "KILN_WORKER_MODELS"


def test_pool_names_and_what_the_live_workers_serve() -> None:
    assert pool_name(None) == "*" and pool_name(("tiny-flux", "tiny-sd")) == "tiny-flux,tiny-sd"
    assert worker_pool({"pool": ["tiny-sd", "tiny-flux", 3]}) == ("tiny-flux", "tiny-sd")
    assert worker_pool({}) is None and worker_pool({"pool": "tiny-sd"}) is None  # malformed: every model
    assert served_by([{"serves": ["", "tiny-sd"]}, {"serves": ["tiny-flux"]}]) == frozenset(
        {"", "tiny-sd", "tiny-flux"}
    )
    assert served_by([{"serves": ["tiny-sd"]}, {"loaded_models": []}]) is None  # the second serves all
    assert served_by([]) == frozenset()


def test_unserved_models_and_their_message() -> None:
    served = frozenset({"", "tiny-sd"})
    assert unserved_models(["tiny-sd", "", "tiny-flux"], served, any_live=True) == ["tiny-flux"]
    assert unserved_models(["tiny-flux"], None, any_live=True) == []
    assert unserved_models([""], frozenset(), any_live=False) == [""]  # nobody live: not even model-less tasks
    assert waiting_message([], any_live=True) is None
    assert str(waiting_message([""], any_live=False)).startswith("no worker is live; start one with `kiln worker`")
    assert waiting_message([""], any_live=True) is None  # a model-less task waits for no particular worker
    message = waiting_message(["/srv/models/portraits", "tiny-flux"], any_live=True)
    assert message == "no live worker serves models portraits, tiny-flux; start one with `kiln worker --models MODEL`"


def test_workers_started_by_serve_get_the_pool_setting() -> None:
    assert settings_env(Settings(worker_models="tiny-sd,tiny-flux"))["KILN_WORKER_MODELS"] == "tiny-sd,tiny-flux"
    assert "KILN_WORKER_MODELS" not in settings_env(Settings(workers=0))


def test_a_provider_workers_pool_serves_its_namespace() -> None:
    served = served_by([{"serves": ["openai:*"]}, {"serves": ["", "tiny-sd"]}])
    waiting = ["openai:dall-e-3", "replicate:a/b", "tiny-sd"]
    assert unserved_models(waiting, served, any_live=True) == ["replicate:a/b"]
    message = waiting_message(["replicate:a/b"], any_live=True)
    assert message is not None and "kiln worker --backend replicate" in message
