"""Inputs for the lip-sync tests: a short pan over scikit-image's astronaut photograph (a real face the Haar
detector finds), with its own sound, and a speech-like tone of another pitch to sync it to."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image
from skimage import data

from kiln.media.audio import write_tone
from kiln.media.video import encode_video

FPS = 8
ORIGINAL_HZ, NEW_HZ = 1000.0, 300.0


def astronaut_clip(path: Path, frames: int = 6, *, audio: bool = True) -> Path:
    """`frames` frames (224x256) panning 1 px a frame across the astronaut, at 8 fps, with a 1 kHz tone."""
    photo: NDArray[np.uint8] = data.astronaut()  # type: ignore[no-untyped-call]
    shots = [Image.fromarray(photo[:, 2 * i : 2 * i + 448][::2, ::2]) for i in range(frames)]
    sound = write_tone(path.with_suffix(".orig.wav"), seconds=frames / FPS, frequency=ORIGINAL_HZ) if audio else None
    encode_video(shots, path, fps=FPS, format="mp4", audio=sound)
    return path


def speech(path: Path, seconds: float) -> Path:
    return write_tone(path, seconds=seconds, frequency=NEW_HZ, rate=16000)


def portrait(path: Path) -> Path:
    photo: NDArray[np.uint8] = data.astronaut()  # type: ignore[no-untyped-call]
    Image.fromarray(photo).save(path)
    return path


def decoded(path: Path) -> list[NDArray[np.uint8]]:
    with av.open(str(path)) as container:
        return [np.asarray(f.to_ndarray(format="rgb24"), dtype=np.uint8) for f in container.decode(video=0)]


def dominant_hz(path: Path) -> float:
    """The loudest frequency of the first audio track."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(stream)])
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def attempts(log: Path) -> dict[int, list[tuple[int, int]]]:
    """Frames made per attempt, from a lip-sync folder's `log.jsonl`: attempt → [(start, end), ...]."""
    made: dict[int, list[tuple[int, int]]] = {}
    if log.is_file():
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            made.setdefault(entry["attempt"], []).append((entry["start"], entry["end"]))
    return made
