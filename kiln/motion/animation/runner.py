"""`run_animation`: the feedback loop, frame n+1 = img2img(motion(frame n), strength), resumable and steerable.

Per frame: take the commands that arrived (`controls`), work out the frame's settings from the schedules
(`timeline`), move the previous clean frame (`kiln.media.motion.transform_frame`, Lanczos), run one img2img call
(`kiln.engine.executor.call_pipeline`, a CPU generator seeded with the frame's seed), enhance it if asked, draw the
sprite and the HUD onto a copy, save that copy to `frames/`, and checkpoint (`state`). Frame 0 is txt2img, or
img2img of the init image. A teleport image replaces the moved frame as the next frame's start. When every frame
is made, the frames are encoded (`kiln.media.video`) into `<name>.<format>` in the work folder.

A frame depends only on the checkpoint (the clean previous frame as a PNG, lossless; the current request; the base
seed), so a run resumed from `work_dir` makes the same frames as one that never stopped.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
from PIL import Image

from kiln.engine.catalog import resolve_model
from kiln.engine.executor import call_pipeline, pixels_to_image
from kiln.engine.init_images import open_init_image
from kiln.engine.loader import LoadedModel
from kiln.errors import Cancelled, InvalidInput
from kiln.media.enhance import enhance_frame
from kiln.media.motion import transform_frame
from kiln.media.video import EXTENSIONS, encode_video
from kiln.motion.animation.checks import check_animation, frame_size, with_size
from kiln.motion.animation.controls import AnimationControl, parse_command
from kiln.motion.animation.hud import HudValues, draw_hud, hud_box
from kiln.motion.animation.request import AnimationRequest, apply_edit
from kiln.motion.animation.sprite import clear_of, overlay_sprite, sprite_placement
from kiln.motion.animation.state import AnimationFolder, AnimationState
from kiln.motion.animation.timeline import FrameSettings, Timeline
from kiln.motion.task import FrameSink, ModelSource, TaskControl, TaskOutput, encoding_failed
from kiln.types import ImageItem

__all__ = ["PAUSE_WAIT_SECONDS", "run_animation"]

log = logging.getLogger(__name__)
PAUSE_WAIT_SECONDS = 0.5  # a paused run re-checks `should_stop` this often (commands wake it at once)


def run_animation(
    request: AnimationRequest, *, models: ModelSource, work_dir: Path, control: TaskControl
) -> list[TaskOutput]:
    """Make (or finish) the animation in `work_dir` and return its video. `Cancelled` when `control.should_stop()`,
    with every saved frame kept for the next run; a `stop` command ends it early with the frames made so far."""
    work_dir.mkdir(parents=True, exist_ok=True)
    folder = AnimationFolder(work_dir)
    state = folder.open(with_size(request, resolve_model(request.model).family))
    check_animation(state.current, resolve_model(state.current.model).family)  # before loading the model
    model = models.model(state.current.model)
    loop = _FeedbackLoop(folder, state, model, control)
    loop.run()
    return [_encode(folder, loop.state, resumed_from=state.done)]


class _FeedbackLoop:
    """One run over the frames still to make; `state` is the last checkpoint written."""

    def __init__(self, folder: AnimationFolder, state: AnimationState, model: LoadedModel, control: TaskControl):
        self.folder = folder
        self.state = state
        self.model = model
        self.control = control
        self.commands = control if isinstance(control, AnimationControl) else None
        self.frames = control if isinstance(control, FrameSink) else None
        self.paused = False
        self.previous = folder.open_image(state.previous) if state.previous else None
        self.timeline = self._timeline()
        self._sprites: dict[str, Image.Image] = {}

    def _timeline(self) -> Timeline:
        default_guidance = self.model.info.family.default_guidance
        return Timeline(self.state.current, seed=self.state.seed, default_guidance=default_guidance)

    def run(self) -> None:
        self.control.progress(self.state.done, self.state.end, "resuming" if self.state.done else "")
        while not self.state.finished:
            self._between_frames()
            if not self.state.finished:  # a stop command may have ended it
                self._make_frame(self.state.done)

    def _between_frames(self) -> None:
        """Apply the commands that arrived; wait while paused; raise `Cancelled` when told to stop."""
        while True:
            for data in self.commands.commands() if self.commands is not None else []:
                self._apply(data)
            if self.control.should_stop():
                raise Cancelled(f"stopped after frame {self.state.done} of {self.state.end}; run again to resume")
            if not self.paused or self.state.finished or self.commands is None:
                return
            self.control.progress(self.state.done, self.state.end, "paused")
            self.commands.wait(PAUSE_WAIT_SECONDS)

    def _apply(self, data: dict[str, Any]) -> None:
        try:
            command = parse_command(data)
            if command.action in ("pause", "resume"):
                self.paused = command.action == "pause"
            elif command.action == "stop":
                self._checkpoint(end=max(self.state.done, 1))
            elif command.action == "teleport" and command.image is not None:
                image = open_init_image(command.image)
                self._checkpoint(teleport=self.folder.save_image(f"teleport-{self.state.done:05d}", image))
            elif command.action == "edit" and command.changes is not None:
                current = apply_edit(self.state.current, command.changes)
                check_animation(current, self.model.info.family)  # a sprite or steps the model cannot take
                seed = current.seed if "seed" in command.changes and current.seed is not None else self.state.seed
                self._checkpoint(current=current, seed=seed, edits=self.state.edits + 1)
                self.timeline = self._timeline()
        except InvalidInput as exc:
            log.warning("animation command %s refused: %s", data, exc)
            self.control.progress(self.state.done, self.state.end, f"command refused: {exc}")

    def _checkpoint(self, **changes: Any) -> None:
        self.state = self.state.model_copy(update=changes)
        self.folder.save_state(self.state)

    def _make_frame(self, frame: int) -> None:
        started = time.monotonic()
        settings = self.timeline.at(frame)
        request = self.state.current
        start = self._start(settings)
        width, height = frame_size(request, self.model.info.family)  # written out when the production started
        item = ImageItem(
            index=frame,
            prompt=settings.prompt,
            negative_prompt=request.negative_prompt,
            user_prompt=settings.prompt,
            model=self.model.info.location,
            width=width,
            height=height,
            steps=request.steps,
            guidance=settings.guidance,
            seed=settings.seed,
            kind="txt2img" if start is None else "img2img",
            strength=1.0 if start is None else settings.strength,
        )
        pixels = call_pipeline(
            self.model, [item], init_images=None if start is None else [start], should_cancel=self.control.should_stop
        )
        clean = pixels_to_image(pixels[0])
        if request.enhance is not None:
            clean = enhance_frame(clean, smooth=request.enhance.smooth, sharpen=request.enhance.sharpen)
        shown = self._decorated(clean, settings, item.strength)
        self.folder.save_frame(frame, shown)
        previous = self.folder.save_image(f"previous-{frame:05d}", clean)
        self._checkpoint(done=frame + 1, previous=previous, teleport=None)
        self.previous = clean
        if self.frames is not None:
            self.frames.frame_made(frame, self.state.end, shown, time.monotonic() - started)
        self.control.progress(self.state.done, self.state.end, f"frame {frame + 1} of {self.state.end}")

    def _start(self, settings: FrameSettings) -> Image.Image | None:
        """What the frame's img2img starts from: a teleport image, the moved previous frame, the init image for
        frame 0, or nothing (txt2img)."""
        request = self.state.current
        if self.state.teleport is not None:
            return self.folder.open_image(self.state.teleport)
        if self.previous is None:
            return None if request.init_image is None else open_init_image(request.init_image)
        return transform_frame(
            self.previous,
            zoom=settings.zoom,
            angle=settings.angle,
            translate_x=settings.translation_x,
            translate_y=settings.translation_y,
            border=request.border,
        )

    def _decorated(self, clean: Image.Image, settings: FrameSettings, strength: float) -> Image.Image:
        """The frame as shown: the sprite (kept out of the HUD's box), then the HUD (with the strength the frame was
        made with) drawn on."""
        request = self.state.current
        shown = clean
        values = HudValues(
            frame=settings.frame,
            frames=self.state.end,
            seed=settings.seed,
            steps=request.steps,
            guidance=settings.guidance,
            strength=strength,
            zoom=settings.zoom,
            translation_x=settings.translation_x,
            translation_y=settings.translation_y,
            angle=settings.angle,
            prompt=settings.prompt,
        )
        if request.sprite is not None:
            sprite = self._sprite(request.sprite.image)
            placement = sprite_placement(settings.frame, shown.size, request.sprite)
            if request.hud is not None:
                placement = clear_of(sprite, placement, hud_box(shown.size, values, request.hud.corner), shown.size)
            shown = overlay_sprite(shown, sprite, placement)
        if request.hud is not None:
            shown = draw_hud(shown, values, request.hud.corner)
        return shown

    def _sprite(self, path: str) -> Image.Image:
        if path not in self._sprites:
            with Image.open(path) as image:
                self._sprites[path] = image.convert("RGBA")
        return self._sprites[path]


def _frames(folder: AnimationFolder, count: int) -> Iterator[Image.Image]:
    for frame in range(count):
        with Image.open(folder.frame_path(frame)) as image:
            yield image.convert("RGB")


def _encode(folder: AnimationFolder, state: AnimationState, *, resumed_from: int) -> TaskOutput:
    """The saved frames as one video file, written under a temporary name and renamed into place."""
    request = state.current
    target = folder.root / f"{request.name}{EXTENSIONS[request.format]}"
    partial = target.with_name(f".partial-{target.name}")
    try:
        info = encode_video(
            _frames(folder, state.end),
            partial,
            fps=request.fps,
            format=request.format,
            crf=request.crf,
            audio=request.audio,
        )
    except (av.FFmpegError, ValueError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise encoding_failed(exc, target, f"the {state.end} frames") from exc
    os.replace(partial, target)
    metadata = {"seed": state.seed, "edits": state.edits, "stopped_early": state.end < request.frames}
    return TaskOutput.of_video(target, info, metadata={**metadata, "resumed_from": resumed_from})
