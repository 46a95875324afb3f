"""`run_lipsync` and `run_avatar`, following `kiln.motion.task` (resumable from `work_dir`).

An avatar is three steps, each kept in `work_dir`: the speech (`avatar/speech.wav`, when the request gives text),
the head's motion (`motion/`, `run_video`'s own segments: image-to-video of the portrait for as many frames as the
speech lasts at `fps`), then the lip-sync of that clip (`lipsync/`, chunk by chunk) with the speech muxed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

from kiln.config import Settings
from kiln.media.audio import audio_duration
from kiln.media.faces import Box
from kiln.motion.lipsync.checks import check_checkpoint, check_speech, portrait_box
from kiln.motion.lipsync.cost import avatar_frames
from kiln.motion.lipsync.request import AvatarRequest, LipsyncRequest
from kiln.motion.lipsync.sync import SyncJob, sync_video
from kiln.motion.task import ModelSource, TaskControl, TaskOutput
from kiln.motion.video_request import VideoRequest
from kiln.motion.video_task import run_video

__all__ = ["run_avatar", "run_lipsync"]


def run_lipsync(
    request: LipsyncRequest, *, models: ModelSource, work_dir: Path, control: TaskControl
) -> list[TaskOutput]:
    """The video with its mouth re-drawn to speak the audio, which replaces its sound."""
    job = SyncJob(
        video=Path(request.video),
        audio=Path(request.audio),
        checkpoint=request.checkpoint,
        padding=request.padding,
        batch_size=request.batch_size,
        name=request.name or f"lipsync-{Path(request.video).stem}",
        crf=request.crf,
    )
    return [sync_video(job, work_dir, control)]


def _speech(request: AvatarRequest, work_dir: Path) -> Path:
    if request.audio is not None:
        path = Path(request.audio)
        check_speech(path)
        return path
    from kiln.media.tts import synthesizer

    engine = synthesizer(Settings().tts)
    folder = work_dir / "avatar"
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(json.dumps([engine.name, request.text, request.voice, request.rate]).encode()).hexdigest()
    path, marker = folder / "speech.wav", folder / "speech.json"
    if not (path.is_file() and marker.is_file() and json.loads(marker.read_text()).get("key") == key):
        engine.synthesize(request.text or "", path, voice=request.voice, rate=request.rate)
        marker.write_text(json.dumps({"key": key}))
    return path


def _motion_key(portrait: Path, request: VideoRequest) -> str:
    """The motion clip's frames follow from the portrait's bytes and the video request."""
    digest = hashlib.sha256(portrait.read_bytes())
    digest.update(request.model_dump_json(exclude={"image"}).encode())
    return digest.hexdigest()


def run_avatar(
    request: AvatarRequest, *, models: ModelSource, work_dir: Path, control: TaskControl
) -> list[TaskOutput]:
    """A talking video of the portrait: its motion, lip-synced to the speech, with the speech as its sound."""
    portrait = Path(request.image)
    check_checkpoint(request.checkpoint, local=True)
    box, (width, height) = portrait_box(portrait)
    speech = _speech(request, work_dir)
    frames = avatar_frames(audio_duration(speech), request.fps)
    motion_request = VideoRequest(
        model=request.video_model,
        image=str(portrait),
        mode="i2v",
        frames=frames,
        fps=request.fps,
        steps=request.steps,
        seed=request.seed,
        name="motion",
    )
    [motion] = run_video(motion_request, models=models, work_dir=work_dir / "motion", control=control)
    scale_x, scale_y = (motion.width or width) / width, (motion.height or height) / height
    fallback = Box(round(box.x1 * scale_x), round(box.y1 * scale_y), round(box.x2 * scale_x), round(box.y2 * scale_y))
    job = SyncJob(
        video=motion.path,
        audio=speech,
        checkpoint=request.checkpoint,
        padding=request.padding,
        batch_size=request.batch_size,
        name=request.name or f"avatar-{portrait.stem}",
        crf=request.crf,
        video_field="image",
        fallback=fallback,
        video_key=_motion_key(portrait, motion_request),
    )
    [output] = [sync_video(job, work_dir / "sync", control)]
    metadata = {**output.metadata, "video_model": request.video_model, "text": request.text, "voice": request.voice}
    return [replace(output, metadata=metadata)]
