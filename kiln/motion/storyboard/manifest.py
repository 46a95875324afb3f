"""The storyboard manifest: one file (YAML or JSON) that describes a whole video, scene by scene.

```yaml
title: The lighthouse keeper
defaults: {model: tiny-sd, style: cinematic, aspect: "16:9", steps: 4, fps: 24, resolution: 720p, voice: en}
music: music/theme.mp3                          # paths are relative to the manifest
music_volume: 0.3
subtitles: burned                               # off, on (an .srt beside the video) or burned (drawn in too)
scenes:
  - id: harbour
    prompt: a harbour at dawn
    shot: {kind: ken_burns, zoom: [1.0, 1.3], pan: [[0.3, 0.5], [0.7, 0.5]]}
    narration: Every morning the keeper climbed the stairs.
    duration: fit                               # as long as the narration (default: defaults.duration)
    transition: {kind: crossfade, duration: 0.5}  # into the next scene
```

A scene without a seed gets one derived from the default seed and its id, so adding, removing or moving scenes
never changes another scene's picture (and never invalidates its cached assets). Loading (with error messages
that name the scene) is `kiln.motion.storyboard.loading`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from kiln.jobs.spec import MAX_SEED, QualityName
from kiln.media.tts import DEFAULT_RATE, DEFAULT_VOICE
from kiln.motion.storyboard.shots import Shot, StillShot

__all__ = [
    "RESOLUTIONS",
    "Scene",
    "Storyboard",
    "StoryboardDefaults",
    "SubtitleMode",
    "Transition",
    "parse_resolution",
]

SubtitleMode = Literal["off", "on", "burned"]
RESOLUTIONS = {"360p": (640, 360), "480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
_SIZE = re.compile(r"\s*(\d+)\s*[xX]\s*(\d+)\s*")
_SCENE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
Seconds = Annotated[float, Field(gt=0.0, le=3600.0)]


def parse_resolution(text: str) -> tuple[int, int]:
    """(width, height) of a preset (`720p`, `1080p`, `4k`, ...) or of `WIDTHxHEIGHT` with even sides."""
    preset = RESOLUTIONS.get(text.strip().lower())
    if preset is not None:
        return preset
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a resolution; use {', '.join(RESOLUTIONS)} or WIDTHxHEIGHT like 320x180")
    width, height = int(match[1]), int(match[2])
    if not (16 <= width <= 7680 and 16 <= height <= 7680) or width % 2 or height % 2:
        raise ValueError(f"{text!r}: sides must be even numbers from 16 to 7680 (H.264 needs even sides)")
    return width, height


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transition(_Model):
    """How a scene hands over to the next one: a `cut`, or a `crossfade` over `duration` seconds (the scenes
    overlap by it)."""

    kind: Literal["cut", "crossfade"] = "cut"
    duration: Annotated[float, Field(gt=0.0, le=10.0)] = 0.5

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: object) -> object:
        return {"kind": value} if isinstance(value, str) else value


class StoryboardDefaults(_Model):
    """What every scene shares unless it says otherwise: the image options, the video's format, the voice."""

    # images (see `kiln.jobs.spec.ImageOptions`)
    model: str | None = Field(default=None, description="Image model; default: KILN_DEFAULT_MODEL")
    style: str | None = None
    negative_prompt: str | None = None
    quality: QualityName | None = None
    steps: Annotated[int, Field(ge=1, le=500)] | None = None
    guidance: Annotated[float, Field(ge=0.0, le=50.0)] | None = None
    scheduler: str | None = None
    width: Annotated[int, Field(ge=8, le=8192)] | None = None
    height: Annotated[int, Field(ge=8, le=8192)] | None = None
    aspect: str | None = None
    megapixels: Annotated[float, Field(gt=0.0, le=64.0)] | None = None
    seed: Seed = Field(default=0, description="Scenes without a seed derive theirs from this and their id")
    # motion
    video_model: str | None = Field(default=None, description="For image_to_video shots that name no model")
    # the video
    fps: Annotated[float, Field(ge=1.0, le=120.0)] = 24.0
    resolution: str = "720p"
    duration: Seconds = Field(default=3.0, description="Seconds per scene unless the scene says")
    transition: Transition = Transition()
    # narration
    voice: str = Field(default=DEFAULT_VOICE, min_length=1, description="The text-to-speech engine's voice name")
    speech_rate: Annotated[int, Field(ge=80, le=450)] = Field(default=DEFAULT_RATE, description="Words per minute")
    narration_padding: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        default=0.5, description="Seconds of quiet after each line (a scene is lengthened to fit its line)"
    )

    @field_validator("resolution")
    @classmethod
    def _known_resolution(cls, value: str) -> str:
        parse_resolution(value)
        return value.strip().lower()


class Scene(_Model):
    """One scene: its picture (prompt, style, seed), how it moves (`shot`), its narration line, its length."""

    id: str = Field(description="A unique name: letters, digits, - and _")
    prompt: str
    negative_prompt: str | None = None
    style: str | None = None
    seed: Seed | None = None
    shot: Shot = StillShot()
    narration: str | None = None
    duration: Seconds | Literal["fit"] | None = Field(
        default=None,
        description="Seconds (a clip without frames lasts as long), or `fit`: the narration line's length (a clip's "
        "own length if longer); default: defaults.duration. A scene is always lengthened to fit its line",
    )
    transition: Transition | None = Field(default=None, description="Into the next scene; default: defaults'")

    @field_validator("id")
    @classmethod
    def _id_is_a_name(cls, value: str) -> str:
        if _SCENE_ID.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not an id; use up to 64 letters, digits, '-' and '_'")
        return value

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the prompt is empty; write what the scene should show")
        return value.strip()

    @field_validator("narration")
    @classmethod
    def _narration_not_blank(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @field_validator("duration")
    @classmethod
    def _fit_needs_narration(cls, value: float | str | None, info: ValidationInfo) -> float | str | None:
        if value == "fit" and info.data.get("narration") is None:
            raise ValueError("'fit' follows the narration, and this scene has none; give seconds")
        return value


class Storyboard(_Model):
    """A whole video: scenes in order, the defaults they share, a music track and the subtitle mode."""

    title: str = "Untitled"
    defaults: StoryboardDefaults = StoryboardDefaults()
    music: Path | None = Field(default=None, description="A music track under the whole video (MP3, WAV, AAC, ...)")
    music_volume: Annotated[float, Field(ge=0.0, le=4.0)] = 1.0
    subtitles: SubtitleMode = "off"
    scenes: list[Scene] = Field(min_length=1, max_length=2000)

    @field_validator("music")
    @classmethod
    def _relative_to_manifest(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        # whether the file exists is checked when the render is planned: over the API this is still a reference
        base = (info.context or {}).get("base_dir")
        if value is None or base is None:
            return value
        path = value.expanduser()
        return path if path.is_absolute() else Path(base) / path

    @field_validator("subtitles", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: object) -> object:
        # YAML 1.1 reads a bare on/off as a boolean
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) else value

    @field_validator("scenes")
    @classmethod
    def _unique_ids(cls, scenes: list[Scene]) -> list[Scene]:
        first: dict[str, int] = {}
        for number, scene in enumerate(scenes, start=1):
            if scene.id in first:
                raise ValueError(
                    f"scene #{number} {scene.id!r} has the id of scene #{first[scene.id]}; give every scene its own id"
                )
            first[scene.id] = number
        return scenes

    @property
    def output_size(self) -> tuple[int, int]:
        return parse_resolution(self.defaults.resolution)

    def scene_seed(self, scene: Scene) -> int:
        """The scene's seed, else one derived from the default seed and the scene's id (stable under edits)."""
        if scene.seed is not None:
            return scene.seed
        digest = hashlib.sha256(f"{self.defaults.seed}:{scene.id}".encode()).digest()
        return int.from_bytes(digest[:4], "big")  # below 2**32, like the planner's random seeds
