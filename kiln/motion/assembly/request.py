"""AssemblyRequest: shots (images or clips) with motion and transitions, music, narration and subtitles."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kiln.errors import InvalidInput, shown_input
from kiln.media.motion import Easing
from kiln.media.tts import DEFAULT_RATE, DEFAULT_VOICE
from kiln.motion.yaml_lines import line_of

__all__ = [
    "RESOLUTIONS",
    "AssemblyRequest",
    "AudioTrack",
    "ClipFit",
    "H264Preset",
    "KenBurns",
    "NarrationSettings",
    "ResolutionName",
    "Shot",
    "SubtitleSettings",
    "Transition",
    "parse_request",
]

ResolutionName = Literal["720p", "1080p", "4k"]
RESOLUTIONS: Mapping[ResolutionName, tuple[int, int]] = MappingProxyType(
    {"720p": (1280, 720), "1080p": (1920, 1080), "4k": (3840, 2160)}
)
H264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"]
Fraction01 = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KenBurns(_Strict):
    """A slow zoom and pan over the shot. Zoom 1 shows the largest crop with the video's aspect ratio; centres
    are fractions of the picture ((0.5, 0.5) is the middle) and move inwards where the crop would leave it."""

    start_zoom: float = Field(default=1.0, ge=1.0, le=10.0)
    end_zoom: float = Field(default=1.2, ge=1.0, le=10.0)
    start_center: tuple[Fraction01, Fraction01] = (0.5, 0.5)
    end_center: tuple[Fraction01, Fraction01] = (0.5, 0.5)
    easing: Easing = "ease_in_out"


class Transition(_Strict):
    """How a shot hands over to the next one: a cut, or a crossfade over `duration` seconds (the shots overlap)."""

    kind: Literal["cut", "crossfade"] = "cut"
    duration: float = Field(default=0.5, gt=0.0, le=10.0, description="Seconds of a crossfade")


ClipFit = Literal["hold", "loop", "stretch"]


class Shot(_Strict):
    """One image or video clip on the timeline. A clip shorter than its shot (a narration line or a duration
    longer than it) follows `fit`: its last frame held, the clip played again, or the clip slowed to the shot."""

    image: Path | None = Field(default=None, description="A still (PNG, JPEG, WebP, ...)")
    clip: Path | None = Field(default=None, description="A video file; its own sound is not used")
    duration: float | None = Field(
        default=None, gt=0.0, le=3600.0, description="Seconds; default: the narration line, or the clip's length"
    )
    motion: KenBurns | None = Field(default=None, description="Ken Burns zoom and pan; default: still")
    transition: Transition = Field(default_factory=Transition, description="Into the next shot")
    narration: str | None = Field(default=None, description="A line spoken over the shot (and its subtitle)")
    fit: ClipFit | None = Field(
        default=None,
        description="A clip shorter than the shot: hold its last frame, loop it, or stretch it (slower); "
        "default: hold, with a warning",
    )

    @field_validator("narration")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _one_source(self) -> Shot:
        if (self.image is None) == (self.clip is None):
            raise ValueError("give exactly one of image (a still) or clip (a video file)")
        return self

    @property
    def source(self) -> Path:
        source = self.image if self.image is not None else self.clip
        assert source is not None  # checked on validation
        return source


class AudioTrack(_Strict):
    """A music or voice track (MP3, WAV, AAC, ...) under the whole video, always cut at the video's end."""

    path: Path
    volume: float = Field(default=1.0, ge=0.0, le=4.0, description="Gain: 1 keeps the file's level")
    loop: bool = Field(default=True, description="Repeat a track shorter than the video")


class NarrationSettings(_Strict):
    """How the shots' narration lines are spoken and mixed."""

    voice: str = Field(default=DEFAULT_VOICE, min_length=1, description="The TTS engine's voice name")
    rate: int = Field(default=DEFAULT_RATE, ge=80, le=450, description="Words per minute")
    padding: float = Field(default=0.5, ge=0.0, le=10.0, description="Seconds of quiet after each line")
    volume: float = Field(default=1.0, ge=0.0, le=4.0)
    duck: float = Field(default=0.3, ge=0.0, le=1.0, description="Music gain while a line is spoken")


class SubtitleSettings(_Strict):
    """Subtitles from the narration lines."""

    srt: bool = Field(default=True, description="Write an .srt beside the video")
    burn: bool = Field(default=False, description="Draw the lines into the frames")


class AssemblyRequest(_Strict):
    """A narrated slideshow or cut: the shots in order, the output's size and rate, and its sound."""

    shots: list[Shot] = Field(min_length=1, max_length=2000)
    resolution: ResolutionName | None = Field(default=None, description="720p, 1080p or 4k; default 1080p")
    width: int | None = Field(default=None, ge=16, le=7680, description="With height, instead of a resolution")
    height: int | None = Field(default=None, ge=16, le=4320)
    fps: float = Field(default=30.0, gt=0.0, le=120.0, description="Frames per second: 24, 30, 60, ...")
    music: AudioTrack | None = None
    narration: NarrationSettings = Field(default_factory=NarrationSettings)
    subtitles: SubtitleSettings = Field(default_factory=SubtitleSettings)
    crf: int = Field(default=18, ge=0, le=51, description="H.264 constant quality: lower is better and bigger")
    preset: H264Preset = Field(default="veryfast", description="libx264 speed: slower makes smaller files")
    name: str = Field(default="assembly", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", description="File stem")

    @field_validator("resolution", mode="before")
    @classmethod
    def _normalise_resolution(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip().lower()
        return {"2160p": "4k", "uhd": "4k", "hd": "720p", "fullhd": "1080p"}.get(value, value)

    @model_validator(mode="after")
    def _one_size(self) -> AssemblyRequest:
        if (self.width is None) != (self.height is None):
            raise ValueError("give width and height together, or a resolution (720p, 1080p, 4k)")
        if self.width is not None and self.resolution is not None:
            raise ValueError("give a resolution or width and height, not both")
        if self.width is not None and self.height is not None and (self.width % 2 or self.height % 2):
            raise ValueError(f"width and height must be even for H.264 (yuv420p), got {self.width}x{self.height}")
        return self

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the video."""
        if self.width is not None and self.height is not None:
            return self.width, self.height
        return RESOLUTIONS[self.resolution or "1080p"]

    def resolved(self, base: Path) -> AssemblyRequest:
        """A copy whose relative file paths are taken from `base` (the plan file's folder)."""
        shots = [
            shot.model_copy(update={"image": _under(base, shot.image), "clip": _under(base, shot.clip)})
            for shot in self.shots
        ]
        music = self.music and self.music.model_copy(update={"path": _under(base, self.music.path)})
        return self.model_copy(update={"shots": shots, "music": music})


def _under(base: Path, path: Path | None) -> Path | None:
    return base / path if path is not None and not path.is_absolute() else path


def parse_request(data: Mapping[str, Any], *, where: str | None = None, text: str | None = None) -> AssemblyRequest:
    """Validates `data`; a problem becomes `InvalidInput` naming the field, like `shots[2].duration`, and with
    `text` (the YAML or JSON `data` was read from) its 1-based line in `where`."""
    try:
        return AssemblyRequest.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        line = line_of(text, list(error["loc"])) if text is not None else None
        if line is not None:
            where = f"{where or 'plan'}, line {line}"
        location = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] not in ("value_error", "missing", "extra_forbidden") and "input" in error:
            message = f"{message} (got {shown_input(error['input'])})"
        if error["type"] == "extra_forbidden":
            message = "unknown field; check its spelling"
        more = len(exc.errors()) - 1
        if more:
            message += f" (and {more} more problem(s))"
        raise InvalidInput(location.lstrip(".") or "request", message, where=where) from exc
