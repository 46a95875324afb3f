"""Which ControlNet serves which control type for each model family. No torch.

`canny` edges are computed by kiln from any picture; every other type takes the caller's image as the control map
(a depth map, an OpenPose skeleton), as A1111's ControlNet extension does with its preprocessor set to none.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["BUILTIN_CONTROLNETS", "COMPUTED_TYPES", "CONTROL_PIPELINES", "control_types"]

COMPUTED_TYPES = frozenset({"canny"})  # made from the image by kiln; the others are the image itself

# built-in tiny ControlNets (seeded random weights) -> the family they fit
BUILTIN_CONTROLNETS: Mapping[str, str] = MappingProxyType({"tiny-controlnet": "tiny-sd"})

_TINY = MappingProxyType({"canny": "tiny-controlnet", "depth": "tiny-controlnet", "pose": "tiny-controlnet"})
_BY_FAMILY: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "tiny-sd": _TINY,
        "sd15": MappingProxyType(
            {
                "canny": "lllyasviel/sd-controlnet-canny",
                "depth": "lllyasviel/sd-controlnet-depth",
                "pose": "lllyasviel/sd-controlnet-openpose",
            }
        ),
        "sdxl": MappingProxyType(
            {"canny": "diffusers/controlnet-canny-sdxl-1.0", "depth": "diffusers/controlnet-depth-sdxl-1.0"}
        ),
    }
)

# the family's txt2img pipeline class -> its ControlNet pipeline class (built over the loaded modules)
CONTROL_PIPELINES: Mapping[str, str] = MappingProxyType(
    {
        "StableDiffusionPipeline": "StableDiffusionControlNetPipeline",
        "StableDiffusionXLPipeline": "StableDiffusionXLControlNetPipeline",
    }
)


def control_types(family: str) -> Mapping[str, str]:
    """Control type -> ControlNet model for a family (empty where kiln has no ControlNet for it)."""
    return _BY_FAMILY.get(family, MappingProxyType({}))
