"""How a scene's image moves on screen: the four shot kinds of a storyboard and their options.

- `still`: the image held for the scene's duration.
- `ken_burns`: a slow zoom and pan over the image (done by the assembly, in its one encoding pass).
- `image_to_video`: a clip from a video model, starting from the image.
- `animation`: a feedback-loop animation (img2img of each moved frame), starting from the image.

Only the last two make a motion asset of their own: stills and Ken Burns shots are drawn from the image by the
assembly, so they cost no extra encode and no extra cache entry.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiln.media.motion import Easing
from kiln.media.schedules import Interpolation, SeedBehaviour
from kiln.motion.assembly.request import ClipFit

__all__ = [
    "SHOT_KINDS",
    "AnimationShot",
    "KenBurnsShot",
    "MotionShot",
    "Shot",
    "ShotKind",
    "StillShot",
    "VideoShot",
]

ShotKind = Literal["still", "ken_burns", "image_to_video", "animation"]
SHOT_KINDS: tuple[ShotKind, ...] = ("still", "ken_burns", "image_to_video", "animation")
_FIT = (
    "A clip shorter than its scene (frames set, or a long narration line): hold its last frame, loop it or "
    "stretch it (slower); default: hold, with a warning"
)
Fraction01 = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Fraction01, Fraction01]


class _ShotOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StillShot(_ShotOptions):
    """The image as it is, for the whole scene."""

    kind: Literal["still"] = "still"


class KenBurnsShot(_ShotOptions):
    """A zoom from `zoom[0]` to `zoom[1]` (1 is the whole picture, 2 half its width) while the view's centre moves
    from `pan[0]` to `pan[1]` (fractions of the picture: 0.5, 0.5 is the middle)."""

    kind: Literal["ken_burns"] = "ken_burns"
    zoom: tuple[Annotated[float, Field(ge=1.0, le=8.0)], Annotated[float, Field(ge=1.0, le=8.0)]] = (1.0, 1.2)
    pan: tuple[Point, Point] = ((0.5, 0.5), (0.5, 0.5))
    easing: Easing = "ease_in_out"


class VideoShot(_ShotOptions):
    """A clip from an image-to-video model (`tiny-svd`, `tiny-ltx`, `tiny-wan`, or a real one) that starts from the
    scene's image (`kiln.motion.video_request.VideoRequest`). The clip lasts `frames`, else the scene's duration;
    `prompt` defaults to the scene's (models that read no text get none); unset numbers, the model's defaults."""

    kind: Literal["image_to_video"] = "image_to_video"
    model: str | None = Field(default=None, description="Video model; default: the storyboard's video_model")
    frames: Annotated[int, Field(ge=2, le=100_000)] | None = None
    fps: Annotated[float, Field(gt=0.0, le=120.0)] | None = Field(default=None, description="Default: the video's")
    steps: Annotated[int, Field(ge=1, le=500)] | None = None
    guidance: Annotated[float, Field(ge=0.0, le=50.0)] | None = None
    prompt: str | None = None
    motion_bucket_id: Annotated[int, Field(ge=1, le=1023)] | None = Field(default=None, description="SVD only")
    noise_aug_strength: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(default=None, description="SVD only")
    fit: ClipFit | None = Field(default=None, description=_FIT)


class AnimationShot(_ShotOptions):
    """A feedback-loop animation that starts from the scene's image: frame n+1 is img2img(motion(frame n))
    (`kiln.motion.animation.request.AnimationRequest`, whose defaults fill what is unset). Schedules use Deforum's
    syntax (`0:(1.0), 30:(1.05)`); `prompts` maps frame numbers to prompts (default: the scene's). It lasts
    `frames`, else the scene's duration; `steps` defaults to the image's."""

    kind: Literal["animation"] = "animation"
    frames: Annotated[int, Field(ge=1, le=100_000)] | None = None
    fps: Annotated[float, Field(gt=0.0, le=120.0)] | None = Field(default=None, description="Default: the video's")
    steps: Annotated[int, Field(ge=1, le=500)] | None = None
    zoom: str | None = None
    angle: str | None = None
    translation_x: str | None = None
    translation_y: str | None = None
    strength: str | None = Field(default=None, description="Denoising strength per frame (0 keeps, 1 repaints)")
    guidance: str | None = Field(default=None, description="A CFG schedule; default: the model family's")
    interpolation: Interpolation | None = None
    seed_behaviour: SeedBehaviour | None = None
    prompts: dict[int, str] | None = None
    fit: ClipFit | None = Field(default=None, description=_FIT)

    @model_validator(mode="after")
    def _prompts_start_at_frame_zero(self) -> AnimationShot:
        if self.prompts is not None and 0 not in self.prompts:
            raise ValueError("prompts must give frame 0 a prompt, e.g. {0: 'a harbour', 24: 'a storm'}")
        return self


Shot = Annotated[StillShot | KenBurnsShot | VideoShot | AnimationShot, Field(discriminator="kind")]
MotionShot = VideoShot | AnimationShot
