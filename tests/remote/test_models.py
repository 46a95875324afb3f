"""Remote models as a namespace: the planner takes `openai:…` and `replicate:…` once their backend is configured
(with the remote family's size rules), refuses them otherwise naming the setting, and refuses malformed names;
`/v1/models`' list shows the configured ones from the price table."""

from __future__ import annotations

import pytest

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import ImageSpec
from kiln.presets.styles import load_styles
from kiln.remote.models import listed_models, namespace_of, remote_model, remote_name
from kiln.types import ImageItem

OPENAI = Settings(openai_base_url="http://127.0.0.1:9/v1")


def plan(settings: Settings, **spec: object) -> list[ImageItem]:
    specs = [ImageSpec(prompt="a kite", **spec)]  # type: ignore[arg-type]
    return plan_items(specs, defaults=None, settings=settings, styles=load_styles(None), local_models=False)


def test_names_split_into_namespace_and_the_remotes_own_name() -> None:
    assert namespace_of("replicate:black-forest-labs/flux-schnell") == "replicate"
    assert namespace_of("openai:dall-e-3") == "openai" and namespace_of("tiny-sd") is None
    assert namespace_of("stabilityai/sd:x") is None  # a colon alone is not a namespace
    assert remote_name("replicate:a/b:0123abcd") == "a/b:0123abcd"


def test_the_planner_takes_a_configured_remote_model_with_the_remote_size_rules() -> None:
    [item] = plan(OPENAI, model="openai:dall-e-3", aspect="16:9")
    assert item.model == "openai:dall-e-3" and item.steps == 4
    assert (item.width % 16, item.height % 16) == (0, 0) and item.width > item.height
    [small] = plan(OPENAI, model="openai:tiny-sd", width=32, height=32, steps=2)
    assert (small.width, small.height, small.steps) == (32, 32, 2)
    with pytest.raises(InvalidInput) as raised:
        plan(OPENAI, model="openai:dall-e-3", width=4096, height=512)
    assert raised.value.field == "width"


def test_an_unconfigured_or_malformed_remote_model_is_refused_saying_what_to_do() -> None:
    with pytest.raises(InvalidInput, match="REPLICATE_API_TOKEN"):
        plan(OPENAI, model="replicate:acme/kites")
    with pytest.raises(InvalidInput, match="replicate:owner/model"):
        remote_model("replicate:no-slash")
    with pytest.raises(InvalidInput, match="openai:<model>"):
        remote_model("openai: spaced")


def test_the_configured_remote_models_of_the_price_table_are_listed() -> None:
    names = [m.name for m in listed_models(Settings(openai_base_url="http://x/v1", remote_prices={"openai:t": 1.0}))]
    assert "openai:t" in names and "openai:dall-e-3" in names
    assert not any(name.startswith("replicate:") for name in names)
    assert listed_models(Settings()) == []
