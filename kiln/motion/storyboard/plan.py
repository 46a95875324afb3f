"""A storyboard as a graph of assets, each keyed by its inputs and its dependencies' keys (see `keys`).

Per scene: its image (a planned txt2img `ImageItem`), its motion clip for `image_to_video` and `animation` shots
(a `VideoRequest` or `AnimationRequest`, depending on the image), its narration audio (text, voice, rate and the
speech engine only); then the final cut (an `AssemblyRequest` over every scene's assets, the music's bytes and
the video's options). Editing a scene's prompt thus changes that scene's image, motion and the final key; its
narration and every other scene keep theirs. Stills and Ken Burns shots have no motion asset: the assembly draws
them from the image in its single encoding pass.

Planning resolves every image through `kiln.jobs.planner` and builds every sub-request, so a bad model, style,
size or schedule is reported before anything is generated, naming the scene.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from kiln.config import Settings
from kiln.errors import InvalidInput
from kiln.jobs.planner import plan_items
from kiln.jobs.spec import ImageSpec
from kiln.motion.animation.request import AnimationRequest
from kiln.motion.assembly.request import AssemblyRequest
from kiln.motion.storyboard.cache import CLIP_FILE, IMAGE_FILE
from kiln.motion.storyboard.keys import asset_key, file_digest
from kiln.motion.storyboard.manifest import Scene, Storyboard
from kiln.motion.storyboard.shots import AnimationShot, VideoShot
from kiln.motion.storyboard.subtasks import animation_request, assembly_request, video_request
from kiln.motion.video_request import VideoRequest
from kiln.presets.styles import StyleBook
from kiln.types import ImageItem

__all__ = [
    "ASSET_KINDS",
    "AssetKind",
    "ImageAsset",
    "MotionAsset",
    "NarrationAsset",
    "RenderPlan",
    "ScenePlan",
    "plan_render",
    "scene_label",
]

AssetKind = Literal["image", "motion", "narration", "final"]
ASSET_KINDS: tuple[AssetKind, ...] = ("image", "motion", "narration", "final")
_NOT_IN_PIXELS = ("index", "name", "output_format", "output_quality", "init_image", "strength")


@dataclass(frozen=True, slots=True)
class ImageAsset:
    key: str
    item: ImageItem


@dataclass(frozen=True, slots=True)
class MotionAsset:
    """A clip that starts from the image `image_key`; the request names that image relative to the cache."""

    key: str
    image_key: str
    request: VideoRequest | AnimationRequest


@dataclass(frozen=True, slots=True)
class NarrationAsset:
    key: str
    text: str
    voice: str
    rate: int
    engine: str  # the speech engine's setting (`KILN_TTS`)


@dataclass(frozen=True, slots=True)
class ScenePlan:
    """One scene's assets."""

    scene: Scene
    number: int  # 1-based position, as errors name it
    image: ImageAsset
    motion: MotionAsset | None
    narration: NarrationAsset | None

    @property
    def label(self) -> str:
        return scene_label(self.number, self.scene.id)


@dataclass(frozen=True, slots=True)
class RenderPlan:
    """Every asset of a render; `assembly` names its images and clips relative to the cache."""

    storyboard: Storyboard
    scenes: tuple[ScenePlan, ...]
    assembly: AssemblyRequest
    final_key: str

    def image_assets(self) -> list[ImageAsset]:
        return _unique(scene.image for scene in self.scenes)

    def motion_assets(self) -> list[tuple[ScenePlan, MotionAsset]]:
        seen: set[str] = set()
        found = []
        for scene in self.scenes:
            if scene.motion is not None and scene.motion.key not in seen:
                seen.add(scene.motion.key)
                found.append((scene, scene.motion))
        return found

    def narration_assets(self) -> list[NarrationAsset]:
        return _unique(scene.narration for scene in self.scenes if scene.narration is not None)

    def keys(self) -> dict[AssetKind, list[str]]:
        """Every asset key by kind, each once, in the order they are made."""
        return {
            "image": [asset.key for asset in self.image_assets()],
            "motion": [asset.key for _, asset in self.motion_assets()],
            "narration": [asset.key for asset in self.narration_assets()],
            "final": [self.final_key],
        }


def scene_label(number: int, scene_id: str) -> str:
    return f"scene #{number} {scene_id!r}"


def plan_render(
    storyboard: Storyboard,
    *,
    settings: Settings,
    styles: StyleBook,
    speech_engine: str | None = None,
    name: str = "video",
) -> RenderPlan:
    """Resolve every scene's image and sub-requests and key every asset; `InvalidInput` names a bad scene.
    `speech_engine` (default: `settings.tts`) names the narration's engine; `name` is the video's file stem."""
    items = _plan_images(storyboard, settings, styles)
    scenes = []
    for number, (scene, item) in enumerate(zip(storyboard.scenes, items, strict=True), start=1):
        image = ImageAsset(asset_key("image", _pixel_inputs(item)), item)
        motion = _plan_motion(storyboard, scene, scene_label(number, scene.id), image)
        narration = _plan_narration(storyboard, scene, speech_engine or settings.tts)
        scenes.append(ScenePlan(scene, number, image, motion, narration))
    sources = [
        (Path(plan.motion.key, CLIP_FILE), True) if plan.motion else (Path(plan.image.key, IMAGE_FILE), False)
        for plan in scenes
    ]
    assembly = assembly_request(storyboard, sources, name=name)
    final_inputs: dict[str, Any] = assembly.model_dump(mode="json", exclude={"music", "name"})
    final_inputs["music"] = _music(storyboard)
    depends_on = [key for plan in scenes for key in _scene_keys(plan)]
    return RenderPlan(storyboard, tuple(scenes), assembly, asset_key("final", final_inputs, depends_on))


def _plan_images(storyboard: Storyboard, settings: Settings, styles: StyleBook) -> list[ImageItem]:
    shared = storyboard.defaults.model_dump(
        include={"model", "style", "negative_prompt", "quality", "steps", "guidance", "scheduler"}
        | {"width", "height", "aspect", "megapixels"},
        exclude_none=True,
    )
    try:  # what is wrong with the defaults alone is said of them, not of the first scene
        plan_items([ImageSpec(**shared, prompt="defaults")], defaults=None, settings=settings, styles=styles)
    except InvalidInput as exc:
        raise InvalidInput(f"defaults.{exc.field}", exc.message) from None
    specs = [
        ImageSpec(
            **{**shared, **scene.model_dump(include={"negative_prompt", "style"}, exclude_none=True)},
            prompt=scene.prompt,
            seed=storyboard.scene_seed(scene),
            name=scene.id,
        )
        for scene in storyboard.scenes
    ]
    labels = [scene_label(number, scene.id) for number, scene in enumerate(storyboard.scenes, start=1)]
    return plan_items(specs, defaults=None, settings=settings, styles=styles, where=labels.__getitem__)


def _pixel_inputs(item: ImageItem) -> dict[str, Any]:
    """What decides an image's pixels: the item without its position, file name and file format."""
    inputs = item.to_dict()
    for name in _NOT_IN_PIXELS:
        inputs.pop(name, None)
    return inputs


def _plan_motion(storyboard: Storyboard, scene: Scene, where: str, image: ImageAsset) -> MotionAsset | None:
    shot = scene.shot
    source = Path(image.key, IMAGE_FILE)
    request: VideoRequest | AnimationRequest
    if isinstance(shot, VideoShot):
        request = video_request(storyboard, scene, shot, image.item, source, where)
    elif isinstance(shot, AnimationShot):
        request = animation_request(storyboard, scene, shot, image.item, source, where)
    else:
        return None
    inputs = {"runner": type(request).__name__, "request": request.model_dump(mode="json")}
    return MotionAsset(asset_key("motion", inputs, [image.key]), image.key, request)


def _plan_narration(storyboard: Storyboard, scene: Scene, engine: str) -> NarrationAsset | None:
    if scene.narration is None:
        return None
    voice, rate = storyboard.defaults.voice, storyboard.defaults.speech_rate
    key = asset_key("narration", {"engine": engine, "text": scene.narration, "voice": voice, "rate": rate})
    return NarrationAsset(key, scene.narration, voice, rate, engine)


def _music(storyboard: Storyboard) -> dict[str, Any] | None:
    """The music by its bytes (a replaced file renders again, a moved one does not)."""
    if storyboard.music is None:
        return None
    if not storyboard.music.is_file():
        raise InvalidInput(
            "music", f"{storyboard.music} does not exist; give an audio file (relative to the storyboard)"
        )
    return {"sha256": file_digest(storyboard.music), "volume": storyboard.music_volume}


def _scene_keys(plan: ScenePlan) -> tuple[str, str, str]:
    motion = plan.motion.key if plan.motion is not None else ""
    narration = plan.narration.key if plan.narration is not None else ""
    return plan.image.key, motion, narration


class _Keyed(Protocol):
    @property
    def key(self) -> str: ...


K = TypeVar("K", bound=_Keyed)


def _unique(assets: Iterable[K]) -> list[K]:
    seen: set[str] = set()
    found = []
    for asset in assets:
        if asset.key not in seen:
            seen.add(asset.key)
            found.append(asset)
    return found
