"""Property-based: requests generated from the OpenAPI schema never get a server error (5xx).

Each operation gets 15 positive and 15 negative examples on each SQL store, SQLite and PostgreSQL (PostgreSQL refuses
text that SQLite takes, such as a NUL byte, so both must be tried; on CI a missing PostgreSQL fails the test). That
keeps the run to a few minutes on two cores. The synchronous image routes are left out: they wait
for a worker by design and answer 504 when their (generated, tiny) timeout runs out; their inputs are covered
in `test_images.py` and `test_openai.py`. (schemathesis' own pytest integration does not run on pytest 9 yet,
so the strategies are driven with hypothesis directly.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi.loaders import from_asgi
from schemathesis.schemas import APIOperation, BaseSchema

from kiln.api import create_app
from kiln.config import Settings
from kiln.jobs.memory import MemoryStore
from kiln.storage.local import LocalStorage
from tests.api.conftest import ApiFactory, StoreKind

SYNC_ROUTES = ("/v1/images", "/v1/images/generations")
EXAMPLES = 15


def _schema(app: object) -> BaseSchema:
    return from_asgi("/openapi.json", app).exclude(path=list(SYNC_ROUTES))


def _operations(schema: BaseSchema) -> list[APIOperation[Any, Any, Any, Any]]:
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema has an invalid operation: {result.err()}"
        operations.append(result.ok())
    return operations


def _operation_labels() -> list[str]:
    store = MemoryStore()
    with tempfile.TemporaryDirectory() as folder:  # the app makes its URL secret in the data folder
        settings = Settings(data_dir=Path(folder), output_dir=Path(folder), auth="off")
        app = create_app(settings, store=store, keys=store, storage=LocalStorage(settings.output_dir))
        return sorted(operation.label for operation in _operations(_schema(app)))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", _operation_labels())
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_no_server_errors(make_api: ApiFactory, store: StoreKind, label: str, mode: GenerationMode) -> None:
    api = make_api(store=store, heartbeat_seconds=3600)
    api.submit(prompts=["a job, so that lists are not empty"])
    api.store.beat("worker", {"loaded_models": ["tiny-sd"]})  # ready: /readyz's 503 is by design, not an error
    # the first token count imports the tokenizers (seconds on a busy machine): not a time limit to test here
    assert api.client.post("/v1/tokens", json={"prompt": "warm up"}).status_code == 200
    (operation,) = (o for o in _operations(_schema(api.app)) if o.label == label)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def run(case: Case[Any]) -> None:
        case.call_and_validate(checks=[not_a_server_error])

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        pytest.skip(f"{label} takes no input that could be made invalid")
