"""`LipsyncRequest` and `AvatarRequest`: what a lip-sync or a talking-avatar job asks for (torch-free, for the API).

Input files (`video`, `audio`, `image`) are local paths for the runner; over the API they are `upload:<id>`,
`artifact:<id>` or a URL, rewritten before the worker runs. `checkpoint` is `tiny-wav2lip` (built in), `wav2lip`
(the server's `KILN_WAV2LIP_CHECKPOINT` file) or, from the command line only, a path to a published checkpoint.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kiln.errors import InvalidInput
from kiln.jobs.spec import MAX_SEED

__all__ = [
    "BUILT_IN_CHECKPOINTS",
    "MAX_LIPSYNC_SECONDS",
    "AvatarRequest",
    "FacePadding",
    "LipsyncRequest",
]

MAX_LIPSYNC_SECONDS = 600.0  # ten minutes of video: every frame is decoded and kept as a PNG checkpoint
BUILT_IN_CHECKPOINTS = ("tiny-wav2lip", "wav2lip")
_Pixels = Annotated[int, Field(ge=0, le=1024)]


class FacePadding(BaseModel):
    """Pixels added around each detected face box before the crop (more `bottom` takes in the chin)."""

    model_config = ConfigDict(extra="forbid")

    top: _Pixels = 0
    bottom: _Pixels = 10
    left: _Pixels = 0
    right: _Pixels = 0


class _Sync(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkpoint: str = Field(
        default="tiny-wav2lip",
        description="tiny-wav2lip, wav2lip (the server's KILN_WAV2LIP_CHECKPOINT) or, locally, a .pth path",
    )
    padding: FacePadding = Field(default_factory=FacePadding)
    batch_size: Annotated[int, Field(ge=1, le=512)] = Field(default=16, description="Faces per network call")
    crf: Annotated[int, Field(ge=0, le=51)] | None = Field(default=None, description="MP4 quality (lower is better)")
    name: str | None = Field(default=None, description="The output file's name, without extension")


class LipsyncRequest(_Sync):
    """A video whose mouth is re-drawn to speak `audio`; the output has the video's frames and `audio` as sound."""

    video: str = Field(description="The video with a face in it")
    audio: str = Field(description="The speech (any file with an audio track)")


class AvatarRequest(_Sync):
    """A still portrait that speaks: image-to-video for the head's motion, lip-sync to the speech, audio muxed."""

    image: str = Field(description="The portrait (one face, facing the camera)")
    audio: str | None = Field(default=None, description="The speech; or give `text`")
    text: str | None = Field(default=None, max_length=2000, description="A line spoken by the TTS engine")
    voice: str = Field(default="en", description="The TTS voice (espeak-ng --voices)")
    rate: Annotated[int, Field(ge=80, le=450)] = Field(default=165, description="Words per minute")
    video_model: str = Field(default="tiny-svd", description="The image-to-video model for the head's motion")
    fps: Annotated[float, Field(gt=0, le=60)] = 8.0
    steps: Annotated[int, Field(ge=1, le=100)] | None = None
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0

    @model_validator(mode="after")
    def _one_speech(self) -> AvatarRequest:
        if (self.audio is None) == (self.text is None or not self.text.strip()):
            raise InvalidInput("audio", "give audio (a speech file) or text (a line to speak), one of the two")
        return self
