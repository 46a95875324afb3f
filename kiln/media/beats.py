"""A music track's tempo, beats and onsets (librosa), for beat-synced keyframes.

The track is decoded with PyAV (`kiln.media.audio.mono_samples`; already kiln's decoder for every audio and video
format it takes: MP3, AAC/M4A, WAV, Opus, a video's sound) into one mono float32 array at `RATE`, resampled in the
same pass. librosa's own loader would go through soundfile (libsndfile) and fall back to audioread, which needs
an ffmpeg program this machine does not have; decoding here keeps one decoder and one set of formats. The length is
checked from the header before decoding and again while decoding (a header may lie), so an hour-long file is
refused, never held in memory.
librosa (and numba under it) is imported on the first analysis, not when kiln starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import av
import numpy as np
import numpy.typing as npt

from kiln.errors import InvalidInput
from kiln.media.audio import AudioTooLong, mono_samples

__all__ = ["MAX_SECONDS", "RATE", "BeatAnalysis", "analyse_beats", "decode_mono"]

RATE = 22_050  # librosa's default rate; its beat tracker's hop of 512 samples is 23 ms here
HOP = 512
MAX_SECONDS = 20 * 60.0  # longer than any music bed; a longer file is refused before it is decoded


@dataclass(frozen=True, slots=True)
class BeatAnalysis:
    """What the studio turns into keyframes: seconds from the start of the track."""

    duration_seconds: float
    tempo_bpm: float
    beats: list[float]
    onsets: list[float]


def decode_mono(
    path: str | os.PathLike[str], *, field: str, name: str, max_seconds: float = MAX_SECONDS
) -> npt.NDArray[np.float32]:
    """The first audio track of `path` as mono float32 samples at `RATE`; `InvalidInput(field)` naming the file as
    `name` when it is not audio FFmpeg reads, has no sound, or is longer than `max_seconds`."""
    try:
        samples = mono_samples(path, RATE, max_seconds=max_seconds)
    except AudioTooLong:
        too_long = f"{name} is longer than {max_seconds / 60:g} minutes; cut it to the part the video needs"
        raise InvalidInput(field, too_long) from None
    except av.FFmpegError:  # before ValueError: some of PyAV's errors are both
        unreadable = f"{name} is not an audio file kiln can read; upload an MP3, WAV, M4A or OGG file"
        raise InvalidInput(field, unreadable) from None
    except ValueError:  # no audio track
        raise InvalidInput(field, f"{name} has no audio track; upload an MP3, WAV, M4A or OGG file") from None
    if samples.size < RATE // 10 or not np.any(samples):
        raise InvalidInput(field, f"{name} has no sound to find beats in (silent or under 0.1 s)")
    return samples


def analyse_beats(samples: npt.NDArray[np.float32]) -> BeatAnalysis:
    """Beat times (librosa's dynamic-programming beat tracker), the tempo they keep, and onset times of mono `RATE`
    samples."""
    import librosa  # heavy (numba): loaded by the first analysis only

    envelope = librosa.onset.onset_strength(y=samples, sr=RATE, hop_length=HOP)
    tempo, beat_frames = librosa.beat.beat_track(onset_envelope=envelope, sr=RATE, hop_length=HOP)
    onset_frames = librosa.onset.onset_detect(onset_envelope=envelope, sr=RATE, hop_length=HOP)
    beat_times = librosa.frames_to_time(beat_frames, sr=RATE, hop_length=HOP)
    onset_times = librosa.frames_to_time(onset_frames, sr=RATE, hop_length=HOP)
    if beat_times.size >= 2:  # the beats' mean spacing: finer than the tempogram's grid of whole hops (117.45 or
        tempo = 60.0 * (beat_times.size - 1) / float(beat_times[-1] - beat_times[0])  # 123.05 for a 120 BPM track)
    return BeatAnalysis(
        duration_seconds=round(samples.size / RATE, 4),
        tempo_bpm=round(float(np.atleast_1d(tempo)[0]), 3),
        beats=[round(float(t), 4) for t in beat_times],
        onsets=[round(float(t), 4) for t in onset_times],
    )
