"""An animation's checkpoint and its work folder.

```
work_dir/
  frames/frame_00000.png …   the frames as shown (HUD and sprite drawn in), written as they are made
  state/state.json           the checkpoint, replaced atomically after every frame
  state/previous-00019.png   the clean last frame (before HUD and sprite): the next frame starts from it
  state/teleport-00020.png   a teleport image waiting for the next frame
  control/                   command files (`kiln.motion.animation.file_control`)
  animation.mp4              the video, once every frame is made
  earlier/<time>/            a production set aside by a restart (`AnimationFolder.carry_on(restart=True)`)
```
Every file is written to a temporary name, synced and renamed into place (`kiln.storage.local.LocalStorage`), and
`state.json` is written last: a crash at any point leaves the previous checkpoint whole, and frames past it are
simply made again.
"""

from __future__ import annotations

import io
import random
import shutil
import time
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiln.errors import InvalidInput, KilnError, RunConflict
from kiln.media.schedules import RANDOM_SEED_LIMIT
from kiln.media.video import EXTENSIONS
from kiln.motion.animation.request import AnimationRequest, parse_animation_request
from kiln.storage.local import LocalStorage

__all__ = ["AnimationFolder", "AnimationState"]

STATE_FILE = "state/state.json"
EARLIER_DIR = "earlier"
_PRODUCTION = ("frames", "state", "control")  # what a restart sets aside, with the videos
_VIDEO_SUFFIXES = frozenset(EXTENSIONS.values())


class AnimationState(BaseModel):
    """Where an animation stands after its last saved frame: enough to make the next frames exactly as an
    uninterrupted run would. The base `seed` is the whole random state: per-frame seeds, 'random' ones included,
    are derived from it (`kiln.media.schedules.seed_for_frame`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    original: AnimationRequest = Field(description="The request as first given: a re-run must give the same")
    current: AnimationRequest = Field(description="The request with every edit applied so far")
    seed: int
    done: int = Field(default=0, ge=0, description="Frames saved; the index of the next frame")
    end: int = Field(ge=1, description="The animation's length: its frames, or fewer once stopped")
    previous: str | None = Field(default=None, description="The clean last frame, relative to the work folder")
    teleport: str | None = Field(default=None, description="A teleport image for the next frame")
    edits: int = 0

    @classmethod
    def start(cls, request: AnimationRequest, rng: random.Random | None = None) -> AnimationState:
        seed = request.seed if request.seed is not None else (rng or random.Random()).randrange(RANDOM_SEED_LIMIT)
        return cls(original=request, current=request, seed=seed, end=request.frames)

    @property
    def finished(self) -> bool:
        return self.done >= self.end


class AnimationFolder:
    """The files of one animation under `root` (see the module notes)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._storage = LocalStorage(root)

    def frame_path(self, frame: int) -> Path:
        return self.root / "frames" / f"frame_{frame:05d}.png"

    def open(self, request: AnimationRequest) -> AnimationState:
        """The saved state of this request, or a new one; a folder holding another animation is refused."""
        state = self.load_state()
        if state is None:
            return AnimationState.start(request)
        if state.original != request:
            raise RunConflict(
                f"{self.root} holds another animation (started from a different request); "
                "run it with its own request to resume it, or use another folder"
            )
        return state

    def carry_on(self, request: AnimationRequest, *, restart: bool = False) -> AnimationState | None:
        """Ready the folder for a new run of `request` from the command line, before `open`: a stopped animation
        goes on to its frames; a different `frames` lengthens (or, down to the frames made, shortens) it; with
        `restart`, the production there is set aside under `earlier/` and a new one starts. Any other difference
        is a `RunConflict`. Returns the state the run starts from (None: a new one)."""
        if restart:
            self._set_aside()
            return None
        state = self.load_state()
        if state is None:
            return None
        if state.original.model_copy(update={"frames": request.frames}) != request:
            raise RunConflict(
                f"{self.root} holds another animation (started from a different request); run it with its own "
                "request to go on with it, add --restart to start this one there instead, or use another folder"
            )
        if request.frames < state.done:
            raise InvalidInput(
                "frames",
                f"{state.done} frames are already made in {self.root}; give --frames {state.done} or more, "
                "or --restart to start again",
            )
        if state.end == request.frames and state.original.frames == request.frames:
            return state
        longer = parse_animation_request({**state.current.model_dump(), "frames": request.frames}, where="frames")
        state = state.model_copy(update={"original": request, "current": longer, "end": request.frames})
        self.save_state(state)
        return state

    def _set_aside(self) -> None:
        present = [self.root / name for name in _PRODUCTION if (self.root / name).exists()]
        present += [path for path in self.root.glob("*") if path.is_file() and path.suffix in _VIDEO_SUFFIXES]
        if not present:
            return
        target = self.root / EARLIER_DIR / time.strftime("%Y%m%d-%H%M%S")
        while target.exists():
            target = target.with_name(target.name + "-")
        target.mkdir(parents=True)
        for path in present:
            shutil.move(path, target / path.name)

    def load_state(self) -> AnimationState | None:
        path = self._storage.path(STATE_FILE)
        if not path.is_file():
            return None
        try:
            return AnimationState.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise KilnError(f"{path} is not an animation checkpoint kiln can read: {exc}") from exc

    def save_frame(self, frame: int, image: Image.Image) -> Path:
        return self._storage.write(f"frames/frame_{frame:05d}.png", _png(image))

    def save_image(self, name: str, image: Image.Image) -> str:
        """A state image (`state/<name>.png`); returns its path relative to the work folder."""
        relative = f"state/{name}.png"
        self._storage.write(relative, _png(image))
        return relative

    def open_image(self, relative: str) -> Image.Image:
        with Image.open(self._storage.path(relative)) as image:
            return image.convert("RGB")

    def save_state(self, state: AnimationState) -> None:
        """Replace the checkpoint, then remove state images it no longer names."""
        self._storage.write(STATE_FILE, state.model_dump_json(indent=2).encode())
        keep = {state.previous, state.teleport}
        for path in self._storage.path("state").glob("*.png"):
            if f"state/{path.name}" not in keep:
                path.unlink(missing_ok=True)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # lossless either way; level 1 keeps the loop fast
    return buffer.getvalue()
