"""Remote models as a namespace: `replicate:owner/model[:version]` and `openai:<model>`.

A remote model has no local family: kiln plans its items with `REMOTE`, a family of generic limits (sides 32 to
2048 in multiples of 16, one megapixel by default, no negative prompt, 4 steps by default and up to 500: the remote
has the last word), and each backend maps the size onto what its API takes (OpenAI-compatible: `size=WIDTHxHEIGHT`;
Replicate: `aspect_ratio` and `megapixels`). A namespace is usable once its backend is configured
(`configured_namespaces`); the planner refuses the others, naming the setting to set, so no item waits for a worker
that can never exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from kiln.config import Settings
from kiln.engine.catalog import ModelInfo
from kiln.engine.families import Family
from kiln.errors import InvalidInput

__all__ = [
    "BUILTIN_PRICES",
    "NAMESPACES",
    "REMOTE",
    "configured_namespaces",
    "listed_models",
    "namespace_of",
    "prices",
    "remote_model",
    "remote_name",
]

NAMESPACES = ("replicate", "openai")
_SETTING = {"replicate": "REPLICATE_API_TOKEN", "openai": "KILN_OPENAI_BASE_URL"}
_REPLICATE = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*(:[A-Za-z0-9][\w.-]*)?", re.ASCII)
_OPENAI = re.compile(r"[A-Za-z0-9][\w.:/-]*", re.ASCII)

REMOTE = Family(
    name="remote",
    pipeline_class="remote",
    default_steps=4,
    quality_steps=MappingProxyType({"fast": 2, "balanced": 4, "high": 8, "ultra": 16}),
    default_guidance=0.0,
    size_multiple=16,
    default_megapixels=1.0,
    supports_negative=False,
    text_encoders=(),
    max_steps=500,  # the remote decides (Flux-schnell takes 4 at most)
    min_side=32,
    max_side=2048,
)

# USD per image, a small table of well-known models; KILN_REMOTE_PRICES adds to it and wins
BUILTIN_PRICES: Mapping[str, float] = MappingProxyType(
    {
        "replicate:black-forest-labs/flux-schnell": 0.003,
        "replicate:black-forest-labs/flux-dev": 0.025,
        "openai:dall-e-2": 0.02,
        "openai:dall-e-3": 0.04,
        "openai:gpt-image-1": 0.04,
    }
)


def namespace_of(model: str) -> str | None:
    """`replicate` or `openai` for a remote model name, None for a local one."""
    head, sep, _ = model.partition(":")
    return head if sep and head in NAMESPACES else None


def remote_name(model: str) -> str:
    """The name the backend knows (`owner/model:version`, `dall-e-3`): what follows the namespace."""
    return model.partition(":")[2]


def configured_namespaces(settings: Settings) -> list[str]:
    """The namespaces whose backend is configured on this server."""
    found = []
    if settings.replicate_api_token or settings.replicate_base_url != "https://api.replicate.com/v1":
        found.append("replicate")
    if settings.openai_base_url:
        found.append("openai")
    return found


def prices(settings: Settings) -> dict[str, float]:
    """USD per image by remote model: the built-in table under KILN_REMOTE_PRICES."""
    return {**BUILTIN_PRICES, **settings.remote_prices}


def remote_model(name: str, settings: Settings | None = None) -> ModelInfo | None:
    """The `ModelInfo` of a remote model name (None: not one); `InvalidInput("model")` for a malformed name or,
    with `settings`, a namespace whose backend the server has not configured."""
    name = name.strip()
    namespace = namespace_of(name)
    if namespace is None:
        return None
    rest = remote_name(name)
    pattern, shape = (
        (_REPLICATE, "replicate:owner/model or replicate:owner/model:version")
        if namespace == "replicate"
        else (_OPENAI, "openai:<model>, e.g. openai:dall-e-3")
    )
    if not pattern.fullmatch(rest) or len(rest) > 300:
        raise InvalidInput("model", f"{name[:100]!r} is not a remote model name; write {shape}")
    if settings is not None and namespace not in configured_namespaces(settings):
        raise InvalidInput(
            "model",
            f"{name!r} needs the {namespace} backend, which this server has not configured "
            f"(set {_SETTING[namespace]}); or choose a local model",
        )
    return ModelInfo(name, "remote", name, REMOTE, f"remote: {namespace}")


def listed_models(settings: Settings) -> list[ModelInfo]:
    """The remote models `kiln models` and `/v1/models` list: those of the price table whose backend is
    configured (any other name of a configured namespace works too)."""
    namespaces = configured_namespaces(settings)
    names = sorted(name for name in prices(settings) if namespace_of(name) in namespaces)
    return [ModelInfo(name, "remote", name, REMOTE, f"remote: {namespace_of(name)}") for name in names]
