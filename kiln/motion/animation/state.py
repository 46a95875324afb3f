"""An animation's checkpoint and its work folder.

```
work_dir/
  frames/frame_00000.png …   the frames as shown (HUD and sprite drawn in), written as they are made
  state/state.json           the checkpoint, replaced atomically after every frame
  state/previous-00019.png   the clean last frame (before HUD and sprite): the next frame starts from it
  state/teleport-00020.png   a teleport image waiting for the next frame
  control/                   command files (`kiln.motion.animation.file_control`)
  animation.mp4              the video, once every frame is made
```
Every file is written to a temporary name, synced and renamed into place (`kiln.storage.local.LocalStorage`), and
`state.json` is written last: a crash at any point leaves the previous checkpoint whole, and frames past it are
simply made again.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiln.errors import KilnError, RunConflict
from kiln.media.schedules import RANDOM_SEED_LIMIT
from kiln.motion.animation.request import AnimationRequest
from kiln.storage.local import LocalStorage

__all__ = ["AnimationFolder", "AnimationState"]

STATE_FILE = "state/state.json"


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
