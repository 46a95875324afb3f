"""Schemas of `/v1/jobs`: the submit body (a union on `kind`: images, video, animation, assembly, storyboard) and
the job views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag

from kiln.jobs.grid import GridAxis, GridSpec
from kiln.jobs.spec import MAX_PROMPT_CHARS, MAX_SEED, ImageOptions, ImageSpec
from kiln.jobs.text import PlainText

__all__ = [
    "TASK_JOB_REQUESTS",
    "AnimationJobRequest",
    "ArtifactList",
    "ArtifactView",
    "AssemblyJobRequest",
    "ImageDefaults",
    "ImagesJobRequest",
    "ItemError",
    "ItemList",
    "ItemView",
    "JobCounts",
    "JobCreated",
    "JobGrid",
    "JobLinks",
    "JobList",
    "JobOptions",
    "JobRequest",
    "JobResult",
    "JobSummary",
    "JobUpdate",
    "JobView",
    "PlannedImage",
    "PlannedTask",
    "StoryboardJobRequest",
    "TaskJobRequest",
    "UpscaleJobRequest",
    "VideoJobRequest",
]

PromptText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PROMPT_CHARS)]


class ImageDefaults(ImageOptions):
    """Every `ImageSpec` field but `prompt`: values shared by all prompts or items of a job."""

    def to_spec(self) -> ImageSpec:
        """These defaults as an `ImageSpec` for `merge_spec` (its empty prompt is always overridden)."""
        values = {name: getattr(self, name) for name in self.model_fields_set}
        return ImageSpec.model_construct(_fields_set=set(values), prompt="", **values)


class JobOptions(PlainText):
    """Options every kind of job shares."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(default=0, ge=-10, le=10, description="Higher runs first")
    prefix: str | None = Field(
        default=None,
        max_length=255,
        description="Output subfolder inside the job's own folder (`<owner>/<job id>/<prefix>/`); each folder name "
        "at most 255 bytes in UTF-8",
    )
    save: bool = Field(default=True, description="Keep the files in storage")
    micro_batch: int | None = Field(default=None, ge=1, le=256, description="Items per pipeline call")
    webhook_url: str | None = Field(
        default=None, max_length=2048, pattern=r"^https?://\S+$", description="POSTed when the job is final"
    )
    previews: bool = Field(
        default=False, description="Send low-resolution previews (`item.preview` events) while images denoise"
    )


class ImagesJobRequest(JobOptions):
    """Text to image in bulk: `items` (full specs) or `prompts` (with `defaults`), each `n` times."""

    kind: Literal["images"] = "images"
    items: list[ImageSpec] | None = Field(default=None, min_length=1)
    prompts: list[PromptText] | None = Field(default=None, min_length=1)
    defaults: ImageDefaults | None = None
    n: int = Field(default=1, ge=1, description="Images per prompt or item")
    start_seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="Seed of item 0; +1 per item")
    grid: GridSpec | None = Field(
        default=None,
        description="An X/Y/Z plot over the job's one item (or prompt): one item per combination of the axes' "
        "values, and a labelled grid image (`JobView.grid`) once the job completes",
    )
    dedupe: bool = Field(
        default=True,
        description="Identical items (same recipe and seed) are generated once and each gets the file; false: "
        "every item is generated",
    )


class TaskJobRequest(JobOptions):
    """A motion job: one item per runner call, each validated by its kind's request model (see `/docs` of
    `kiln.motion`): input files named as `upload:<id>`, `artifact:<id>` or an http(s) URL."""

    items: list[dict[str, Any]] = Field(min_length=1, max_length=1000, description="One request per item")


class VideoJobRequest(TaskJobRequest):
    """Image-to-video and text-to-video clips, loops and long-form chains (`kiln.motion.video_request`)."""

    kind: Literal["video"]


class AnimationJobRequest(TaskJobRequest):
    """Feedback-loop animations, controllable while they run (`POST /v1/jobs/{id}/control`)."""

    kind: Literal["animation"]


class AssemblyJobRequest(TaskJobRequest):
    """Slideshows of images and clips with Ken Burns, crossfades, music, narration and subtitles."""

    kind: Literal["assembly"]


class StoryboardJobRequest(TaskJobRequest):
    """Whole videos from a storyboard: images, motion, narration and the final cut, cached per asset."""

    kind: Literal["storyboard"]


class UpscaleJobRequest(TaskJobRequest):
    """Images made larger by an ESRGAN-family upscaler, in tiles (`kiln.motion.upscale_request`)."""

    kind: Literal["upscale"]


class LipsyncJobRequest(TaskJobRequest):
    """A video's mouth re-drawn to speak a new sound track (Wav2Lip), the sound replaced (`kiln.motion.lipsync`)."""

    kind: Literal["lipsync"]


class AvatarJobRequest(TaskJobRequest):
    """A portrait that speaks an audio file or a line of text: image-to-video motion, then lip-sync."""

    kind: Literal["avatar"]


TASK_JOB_REQUESTS = (
    VideoJobRequest,
    AnimationJobRequest,
    AssemblyJobRequest,
    StoryboardJobRequest,
    UpscaleJobRequest,
    LipsyncJobRequest,
    AvatarJobRequest,
)


def _job_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("kind", "images")
        return kind if isinstance(kind, str) else None
    return getattr(value, "kind", None)


# A discriminated union on `kind` (absent: images).
JobRequest = Annotated[
    Annotated[ImagesJobRequest, Tag("images")]
    | Annotated[VideoJobRequest, Tag("video")]
    | Annotated[AnimationJobRequest, Tag("animation")]
    | Annotated[AssemblyJobRequest, Tag("assembly")]
    | Annotated[StoryboardJobRequest, Tag("storyboard")]
    | Annotated[UpscaleJobRequest, Tag("upscale")]
    | Annotated[LipsyncJobRequest, Tag("lipsync")]
    | Annotated[AvatarJobRequest, Tag("avatar")],
    Discriminator(_job_kind),
]


class JobUpdate(BaseModel):
    """`PATCH /v1/jobs/{id}`: what may change while a job waits or runs."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(
        ge=-10,
        le=10,
        strict=True,  # a JSON integer: not true, "3" or 3.0
        description="-10..10, higher runs first (as at submit); the job's items not yet claimed take it",
    )


class JobLinks(BaseModel):
    # `self` on every path: the response model and a plain `model_dump_json()` (the polled GET) alike
    model_config = ConfigDict(serialize_by_alias=True)

    self_: str = Field(serialization_alias="self")
    events: str
    items: str
    artifacts: str
    zip: str
    cancel: str


class JobCreated(BaseModel):
    id: str
    kind: str
    state: str
    total: int
    links: JobLinks


class JobCounts(BaseModel):
    pending: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    canceled: int = 0


class JobSummary(BaseModel):
    id: str
    kind: str
    state: str
    priority: int
    total: int
    counts: JobCounts
    progress: float = Field(
        description="Work done over total, 0..1: done and failed items plus the fraction done of running ones "
        "(steps, frames, segments); canceled items are not work done (see counts)"
    )
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(
        description="Why a failed job failed (every failed job says); while a job runs, its last storage error (an "
        "item's file could not be stored: retried with a growing delay, failed after KILN_MAX_ATTEMPTS), cleared "
        "once a retried item is done"
    )
    links: JobLinks


class ItemError(BaseModel):
    index: int
    error: str | None


class JobResult(BaseModel):
    index: int
    artifact_id: str
    url: str
    content_type: str
    width: int
    height: int
    seed: int | None
    metadata: dict[str, Any]


class JobGrid(BaseModel):
    axes: list[GridAxis]
    artifact_id: str | None = Field(description="The labelled grid image, once the job has completed and it is made")


class JobView(JobSummary):
    grid: JobGrid | None = Field(default=None, description="A grid job's axes and its grid image")
    eta_seconds: float | None = Field(description="From the rate of progress since the start; null if unknown")
    elapsed_seconds: float | None
    errors: list[ItemError] = Field(description="The first 50 failed items")
    results: list[JobResult] | None = Field(default=None, description="With ?include=results")
    warning: str | None = Field(
        default=None,
        description="Why pending items wait: no live worker serves their model (start one with "
        "`kiln worker --models MODEL`), or no worker is live at all; null otherwise",
    )


class JobList(BaseModel):
    data: list[JobSummary]
    next: str | None = Field(description="Pass as `before` for the next page; null on the last")


class PlannedImage(BaseModel):
    """An item as planned: style applied, size resolved, seed assigned."""

    index: int
    prompt: str
    negative_prompt: str
    user_prompt: str
    model: str
    width: int
    height: int
    steps: int
    guidance: float
    seed: int
    style: str | None
    quality: str | None
    scheduler: str
    kind: str
    output_format: str
    output_quality: int
    name: str | None
    init_image: str | None = None
    strength: float = 1.0
    prompt_template: str | None = Field(default=None, description="The prompt as written, when it held variations")
    negative_template: str | None = None
    loras: list[dict[str, Any]] = Field(default_factory=list, description="LoRAs: name, source, weight")
    control: dict[str, Any] | None = Field(default=None, description="ControlNet: type, image, scale, model")
    mask: str | None = None
    outpaint: list[int] | None = None
    dedupe: bool = True
    hires_scale: float | None = None
    hires_strength: float = 0.5
    hires_upscaler: str | None = None


class PlannedTask(BaseModel):
    """A motion item as planned: its kind, its request (inputs as checked references) and its first model."""

    index: int
    kind: str
    request: dict[str, Any]
    model: str
    name: str | None


class ItemView(BaseModel):
    id: int
    index: int
    state: str
    attempts: int
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    item: PlannedImage | PlannedTask


class ItemList(BaseModel):
    data: list[ItemView]
    offset: int
    limit: int
    next_offset: int | None


class ArtifactView(BaseModel):
    id: str
    index: int = Field(description="The item's index; a grid image's is the job's total (after every item)")
    item_id: int | None = Field(description="The item that made it; null for a grid job's grid image")
    url: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    metadata: dict[str, Any]
    created_at: datetime


class ArtifactList(BaseModel):
    data: list[ArtifactView]
