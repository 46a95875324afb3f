"""A video's work folder: the seed a seedless request drew, and the finished segments, so a stopped run continues
where it was. No torch.

`video.json` keeps the seed. Segment i lives in `segments/000i/` (its frames as PNG: lossless, so the next segment
starts from exactly the picture a resumed run reads back) with `segments/000i.json` beside it (and, from a sound model
such as LTX-2, its audio as `segments/000i.wav`). The JSON is written last, atomically: a segment without it is
unfinished and is made again. Each segment is keyed by its inputs and the key of the one before (and, for the first, the
input image's bytes), so editing one segment's prompt redoes it and those after, and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from kiln.engine.video_item import VideoItem
from kiln.media.clip_audio import ClipAudio, write_wav
from kiln.motion.video_plan import VideoPlan, plan_video
from kiln.motion.video_request import VideoRequest

__all__ = ["VideoFolder", "segment_key"]


def segment_key(item: VideoItem, previous_key: str | None) -> str:
    """What a segment's frames depend on: its item (the input image by content) and the segment before."""
    fields = item.to_dict()
    if item.image is not None:
        fields["image"] = hashlib.sha256(Path(item.image).read_bytes()).hexdigest()
    body = json.dumps({"item": fields, "after": previous_key}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


class VideoFolder:
    """The work folder of one video."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._segments = path / "segments"

    def plan(self, request: VideoRequest) -> VideoPlan:
        """The request's plan with the seed an earlier run here drew (drawn now and kept, the first time)."""
        seed_file = self.path / "video.json"
        try:
            stored = json.loads(seed_file.read_text()).get("seed")
        except (FileNotFoundError, json.JSONDecodeError, AttributeError):
            stored = None
        plan = plan_video(request, seed=stored if isinstance(stored, int) else None)
        if plan.seed != stored:
            _write_atomically(seed_file, json.dumps({"seed": plan.seed}))
        return plan

    @staticmethod
    def keys(plan: VideoPlan) -> list[str]:
        """Each segment's key, chained from the first."""
        keys: list[str] = []
        for item in plan.segments:
            keys.append(segment_key(item, keys[-1] if keys else None))
        return keys

    def saved_count(self, plan: VideoPlan) -> int:
        """How many of the plan's segments are saved here."""
        return sum(self.has(index, key) for index, key in enumerate(self.keys(plan)))

    def meta(self, index: int) -> dict[str, Any] | None:
        """The saved segment's JSON, or None when it is not finished."""
        try:
            data: dict[str, Any] = json.loads(self._meta_path(index).read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data

    def has(self, index: int, key: str) -> bool:
        """Whether segment `index` is saved whole, for exactly these inputs."""
        meta = self.meta(index)
        if meta is None or meta.get("key") != key or len(self.frame_paths(index)) != meta.get("frames"):
            return False
        return not meta.get("audio") or self._audio_path(index).is_file()

    def audio_path(self, index: int) -> Path | None:
        """The saved segment's sound track, or None when its model made none."""
        meta = self.meta(index)
        return self._audio_path(index) if meta is not None and meta.get("audio") else None

    def frame_paths(self, index: int) -> list[Path]:
        return sorted(self._frames_dir(index).glob("frame-*.png"))

    def last_frame_path(self, index: int) -> Path:
        paths = self.frame_paths(index)
        if not paths:
            raise FileNotFoundError(f"segment {index} has no frames in {self.path}")
        return paths[-1]

    def save(
        self,
        index: int,
        key: str,
        frames: Sequence[Image.Image],
        meta: dict[str, Any],
        audio: ClipAudio | None = None,
    ) -> None:
        """Write the frames (and the audio), then the JSON that marks the segment finished."""
        self._segments.mkdir(parents=True, exist_ok=True)
        self._meta_path(index).unlink(missing_ok=True)
        staging = self._segments / f"{index:04d}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for number, frame in enumerate(frames):
            frame.save(staging / f"frame-{number:05d}.png", compress_level=1)  # lossless, and quick to write
        target = self._frames_dir(index)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        if audio is not None:
            write_wav(self._audio_path(index), audio)
        record = {**meta, "key": key, "frames": len(frames), "audio": audio is not None}
        body = json.dumps(record, indent=2, sort_keys=True)
        _write_atomically(self._meta_path(index), body)

    def _frames_dir(self, index: int) -> Path:
        return self._segments / f"{index:04d}"

    def _audio_path(self, index: int) -> Path:
        return self._segments / f"{index:04d}.wav"

    def _meta_path(self, index: int) -> Path:
        return self._segments / f"{index:04d}.json"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)
