"""Lip-sync of one video to one speech track, resumable chunk by chunk (`kiln.motion.lipsync.folder`).

Faces are found in every frame and smoothed (`kiln.media.faces`); each frame's mel window (`kiln.media.mel`) and
its face crop, resized to 96x96 with the lower half masked and stacked with the unmasked crop (BGR, as the
published model was trained), go through Wav2Lip in batches; the drawn face is resized back and pasted over the
box, so no pixel outside the boxes changes. The frames are then encoded with the speech as the only sound track.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import torch
from numpy.typing import NDArray
from PIL import Image

from kiln.engine.wav2lip import FACE_SIZE, MEL_STEPS, Wav2Lip, load_wav2lip
from kiln.errors import Cancelled, InvalidInput
from kiln.media.faces import Box, Padding, detect_face, face_boxes
from kiln.media.mel import load_speech, mel_spectrogram, mel_windows
from kiln.media.video import encode_video, rgb_frames
from kiln.motion.lipsync.checks import check_checkpoint, check_speech, check_video
from kiln.motion.lipsync.folder import SyncFolder
from kiln.motion.lipsync.request import FacePadding
from kiln.motion.task import TaskControl, TaskOutput, encoding_failed

__all__ = ["CHECKPOINT_SETTING", "SyncJob", "sync_video"]

CHECKPOINT_SETTING = "KILN_WAV2LIP_CHECKPOINT"
Frame = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class SyncJob:
    """One lip-sync: its inputs, the checkpoint and settings, and the file it makes."""

    video: Path
    audio: Path
    checkpoint: str
    padding: FacePadding
    batch_size: int
    name: str
    crf: int | None = None
    video_field: str = "video"  # how errors name the video (an avatar's motion clip is made, not given)
    fallback: Box | None = None  # where the face is when no frame shows one (an avatar's portrait box)
    # what the video's frames depend on, when it is made by kiln (an avatar's motion): its file is encoded again by
    # each run, and an encoder's bytes are no promise, so the frames are keyed by what made them instead
    video_key: str | None = None


def _key(job: SyncJob) -> str:
    digest = hashlib.sha256()
    video = job.video_key.encode() if job.video_key is not None else job.video.read_bytes()
    for content in (video, job.audio.read_bytes()):
        digest.update(hashlib.sha256(content).digest())
    digest.update(repr((job.checkpoint, job.padding.model_dump(), job.batch_size, job.fallback)).encode())
    return digest.hexdigest()


def _resolve_checkpoint(name: str) -> str:
    if name != "wav2lip":
        return name
    path = os.environ.get(CHECKPOINT_SETTING)
    if not path:
        raise InvalidInput("checkpoint", f"wav2lip needs {CHECKPOINT_SETTING} set to wav2lip.pth on this server")
    return path


def _boxes(job: SyncJob, folder: SyncFolder, width: int, height: int) -> list[Box]:
    saved = folder.boxes()
    if saved is not None:
        return saved
    found = [detect_face(frame) for frame in rgb_frames(job.video)]
    if job.fallback is not None and not any(found):
        fallback = job.fallback
        found = [(fallback.x1, fallback.y1, fallback.x2, fallback.y2)] * len(found)
    pad = Padding(**job.padding.model_dump())
    try:
        boxes = face_boxes(found, width=width, height=height, padding=pad)
    except ValueError as exc:
        raise InvalidInput(job.video_field, f"{exc} of {job.video.name}; give a video with a face in view") from None
    folder.save_boxes(boxes)
    return boxes


def _draw(model: Wav2Lip, frames: Sequence[Frame], boxes: Sequence[Box], mels: NDArray[np.float32]) -> list[Frame]:
    """The frames with their faces re-drawn by the model; pixels outside the boxes untouched."""
    size = (FACE_SIZE, FACE_SIZE)
    crops = [cv2.resize(f[b.y1 : b.y2, b.x1 : b.x2], size) for f, b in zip(frames, boxes, strict=True)]
    faces = np.stack(crops)[..., ::-1].astype(np.float32) / 255.0  # RGB → BGR, as the model was trained
    masked = faces.copy()
    masked[:, FACE_SIZE // 2 :] = 0.0  # the lower half (the mouth) is what the model draws
    device = next(model.parameters()).device
    face_input = torch.from_numpy(np.concatenate([masked, faces], axis=3)).permute(0, 3, 1, 2).to(device)
    mel_input = torch.from_numpy(mels[:, None]).to(device)
    with torch.inference_mode():
        drawn = model(mel_input, face_input).permute(0, 2, 3, 1).cpu().numpy()
    out = []
    for frame, box, face in zip(frames, boxes, drawn, strict=True):
        pasted = frame.copy()
        rgb = np.ascontiguousarray(np.clip(face[..., ::-1] * 255.0 + 0.5, 0, 255).astype(np.uint8))
        pasted[box.y1 : box.y2, box.x1 : box.x2] = cv2.resize(rgb, (box.x2 - box.x1, box.y2 - box.y1))
        out.append(pasted)
    return out


def sync_video(job: SyncJob, work_dir: Path, control: TaskControl) -> TaskOutput:
    """Lip-sync `job.video` to `job.audio` in `work_dir` (resumed from what is there), encoded with the speech."""
    fps, count = check_video(job.video, job.video_field)
    check_speech(job.audio)
    check_checkpoint(job.checkpoint, local=True)
    folder = SyncFolder(work_dir / "lipsync", _key(job))
    first = next(rgb_frames(job.video))
    height, width = first.shape[:2]
    boxes = _boxes(job, folder, width, height)
    mels = mel_windows(mel_spectrogram(load_speech(job.audio)), fps=fps, frames=count, steps=MEL_STEPS)
    model: Wav2Lip | None = None
    size = job.batch_size
    frames = rgb_frames(job.video)
    for number, start in enumerate(range(0, count, size)):
        chunk = [frame for _, frame in zip(range(min(size, count - start)), frames, strict=False)]
        end = start + len(chunk)
        if folder.has_chunk(number):
            continue
        if control.should_stop():
            raise Cancelled(f"stopped with frames before {start} of {count} saved; run again on {work_dir}")
        if model is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
            model = load_wav2lip(_resolve_checkpoint(job.checkpoint), device)
        for index, drawn in enumerate(_draw(model, chunk, boxes[start:end], mels[start:end]), start):
            Image.fromarray(drawn).save(folder.frame_path(index), compress_level=1)
        folder.finish_chunk(number, start, end)
        control.progress(end, count, f"frame {end}/{count}")
    return _encode(job, folder, count, fps, work_dir)


def _saved(folder: SyncFolder, count: int) -> Iterator[Image.Image]:
    for index in range(count):
        with Image.open(folder.frame_path(index)) as image:
            yield image.convert("RGB")


def _encode(job: SyncJob, folder: SyncFolder, count: int, fps: float, work_dir: Path) -> TaskOutput:
    path = work_dir / f"{job.name}.mp4"
    try:
        info = encode_video(_saved(folder, count), path, fps=fps, format="mp4", crf=job.crf, audio=job.audio)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise encoding_failed(exc, path, f"the {count} lip-synced frames") from exc
    metadata = {
        "checkpoint": job.checkpoint,
        "padding": job.padding.model_dump(),
        "has_audio": info.has_audio,
        "audio_codec": info.audio_codec,
        "bytes": info.bytes,
    }
    return TaskOutput.of_video(path, info, metadata=metadata)
