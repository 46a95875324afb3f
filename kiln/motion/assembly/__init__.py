"""Assembly: images and clips cut together with Ken Burns motion, crossfades, music, narration and subtitles."""

from kiln.motion.assembly.request import (
    RESOLUTIONS,
    AssemblyRequest,
    AudioTrack,
    KenBurns,
    NarrationSettings,
    Shot,
    SubtitleSettings,
    Transition,
    parse_request,
)
from kiln.motion.assembly.runner import run_assembly

__all__ = [
    "RESOLUTIONS",
    "AssemblyRequest",
    "AudioTrack",
    "KenBurns",
    "NarrationSettings",
    "Shot",
    "SubtitleSettings",
    "Transition",
    "parse_request",
    "run_assembly",
]
