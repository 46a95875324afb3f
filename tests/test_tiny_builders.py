"""Building a tiny model leaves the caller's randomness alone, and its weights do not depend on it."""

from __future__ import annotations

import pytest
import torch

from kiln.engine.tiny.builders import TINY_BUILDERS, build_tiny


def _weights(pipe: object) -> dict[str, torch.Tensor]:
    components = getattr(pipe, "components")  # noqa: B009 - diffusers pipelines are untyped
    return {
        f"{name}.{key}": value
        for name, module in components.items()
        if isinstance(module, torch.nn.Module)
        for key, value in module.state_dict().items()
    }


@pytest.mark.parametrize("name", sorted(TINY_BUILDERS))
def test_building_a_tiny_model_keeps_the_global_random_state(name: str) -> None:
    torch.manual_seed(1234)
    expected = torch.rand(8)
    torch.manual_seed(1234)
    pipe = build_tiny(name)
    assert torch.equal(torch.rand(8), expected)  # as if nothing had been built
    torch.manual_seed(99)  # a different state around the build: the same weights
    other = _weights(build_tiny(name))
    weights = _weights(pipe)
    assert other.keys() == weights.keys()
    assert all(torch.equal(other[key], value) for key, value in weights.items())
