"""`run_assembly`: an AssemblyRequest → a narrated MP4 (and its .srt), following `kiln.motion.task`'s contract.

Steps: check every input file; speak the narration lines (cached in `work_dir/speech`); lay out the timeline;
write the subtitles; mix music and narration into one WAV; render and encode the frames. The video is written
under a temporary name and renamed when whole, and `assembly.json` records what was made from which inputs: run
again on the same folder with the same request and files, it returns the finished outputs at once; after a
crash or a stop it renders again, reusing the spoken lines.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from kiln.config import Settings
from kiln.errors import Cancelled, InvalidInput
from kiln.media.audio import audio_duration
from kiln.media.subtitles import subtitle_overlay, write_srt
from kiln.media.tts import SpeechSynthesizer, synthesizer
from kiln.media.video import probe_video
from kiln.motion.assembly.narration import speak_lines
from kiln.motion.assembly.planes import overlay_from_rgba
from kiln.motion.assembly.record import finished_outputs, request_fingerprint, write_record
from kiln.motion.assembly.render import EncodeSettings, ShotFrames, Subtitle, render_video, timeline_frames
from kiln.motion.assembly.request import AssemblyRequest, Shot
from kiln.motion.assembly.shots import clip_frames, still_frames
from kiln.motion.assembly.soundmix import Line, mix_soundtrack
from kiln.motion.assembly.timeline import ShotTiming, Timeline, plan_timeline
from kiln.motion.task import ModelSource, NullControl, TaskControl, TaskOutput

__all__ = [
    "run_assembly",
    "short_clip_warnings",
    "short_clips",
]


def run_assembly(
    request: AssemblyRequest,
    *,
    models: ModelSource | None = None,
    work_dir: Path,
    control: TaskControl | None = None,
    tts: SpeechSynthesizer | None = None,
) -> list[TaskOutput]:
    """Renders `request` in `work_dir`; returns the video and, with narration, its subtitles.

    No model is used (`models` is there for the contract). `tts` defaults to the engine named by `KILN_TTS`,
    made only when a shot has narration. Paths in the request must be absolute or relative to the current
    folder (see `AssemblyRequest.resolved`).
    """
    control = control or NullControl()
    work_dir.mkdir(parents=True, exist_ok=True)
    clip_lengths = _check_sources(request)
    lines = [shot.narration for shot in request.shots]
    engine = (tts if tts is not None else synthesizer(Settings().tts)) if any(lines) else None
    fingerprint = request_fingerprint(request, engine.name if engine else None)
    finished = finished_outputs(work_dir, fingerprint)
    if finished is not None:
        return finished

    fps = Fraction(request.fps).limit_denominator(1001)
    control.progress(0, 1, "narration")
    speeches = (
        speak_lines(
            lines,
            engine,
            work_dir / "speech",
            voice=request.narration.voice,
            rate=request.narration.rate,
            should_stop=control.should_stop,
        )
        if engine is not None
        else [None] * len(lines)
    )
    timings = [
        ShotTiming(
            duration=shot.duration,
            natural=clip_lengths.get(index),
            speech=speech.duration if speech is not None else 0.0,
            crossfade=shot.transition.duration if shot.transition.kind == "crossfade" else 0.0,
        )
        for index, (shot, speech) in enumerate(zip(request.shots, speeches, strict=True))
    ]
    timeline = plan_timeline(timings, fps=fps, padding=request.narration.padding)
    cues = timeline.cues(lines)
    outputs: list[TaskOutput] = []
    if cues and request.subtitles.srt:
        srt_path = write_srt(cues, work_dir / f"{request.name}.srt")
        outputs.append(TaskOutput(srt_path, "application/x-subrip", srt_path.name, duration=timeline.duration))

    soundtrack: Path | None = None
    spoken = [
        Line(speech.path, timeline.seconds(span.start))
        for span, speech in zip(timeline.spans, speeches, strict=True)
        if speech is not None
    ]
    if request.music is not None or spoken:
        music = request.music
        soundtrack = mix_soundtrack(
            work_dir / "soundtrack.wav",
            duration=timeline.duration,
            music=music.path if music else None,
            music_volume=music.volume if music else 1.0,
            loop=music.loop if music else True,
            lines=spoken,
            line_volume=request.narration.volume,
            duck=request.narration.duck if music else 1.0,
        )

    size = request.size
    subtitles = []
    for cue in cues if request.subtitles.burn else []:
        drawn = subtitle_overlay(cue.text, size)
        subtitles.append(Subtitle(cue, overlay_from_rgba(drawn.image, drawn.top)))
    shots = [
        _shot_frames(shot, size, span.frames, float(fps), clip_lengths.get(span.index))
        for shot, span in zip(request.shots, timeline.spans, strict=True)
    ]
    total = timeline.total_frames

    def on_frame(done: int) -> None:
        control.progress(done, total, "rendering")
        if done < total and control.should_stop():
            raise Cancelled(f"stopped at frame {done} of {total}")

    video_path = work_dir / f"{request.name}.mp4"
    partial = work_dir / f"{request.name}.partial.mp4"
    info = render_video(
        timeline_frames(timeline, shots, subtitles),
        partial,
        fps=fps,
        settings=EncodeSettings(request.crf, request.preset, soundtrack),
        on_frame=on_frame,
    )
    os.replace(partial, video_path)
    metadata = {"shots": _shot_report(timeline), "has_audio": info.has_audio}
    video = TaskOutput.of_video(
        video_path, info, metadata={**metadata, "short_clips": short_clips(request, timeline, clip_lengths)}
    )
    outputs.insert(0, video)
    write_record(work_dir, fingerprint, outputs)
    return outputs


def _check_sources(request: AssemblyRequest) -> dict[int, float]:
    """Raises `InvalidInput` for a missing or unreadable file; returns each clip's length by shot index."""
    lengths: dict[int, float] = {}
    for index, shot in enumerate(request.shots):
        field = f"shots[{index}].{'image' if shot.image is not None else 'clip'}"
        if not shot.source.is_file():
            raise InvalidInput(field, f"{shot.source} does not exist; give the path of an existing file")
        try:
            if shot.image is not None:
                with Image.open(shot.image) as image:
                    image.verify()
            else:
                lengths[index] = probe_video(shot.source).duration
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            kind = "an image" if shot.image is not None else "a video"
            raise InvalidInput(field, f"cannot read {shot.source} as {kind}: {exc}") from exc
    if request.music is not None:
        if not request.music.path.is_file():
            raise InvalidInput("music.path", f"{request.music.path} does not exist; give an audio file")
        try:
            audio_duration(request.music.path)
        except (OSError, ValueError) as exc:
            raise InvalidInput("music.path", f"cannot read {request.music.path} as audio: {exc}") from exc
    return lengths


def _shot_frames(shot: Shot, size: tuple[int, int], frames: int, fps: float, length: float | None) -> ShotFrames:
    if shot.image is not None:
        image = shot.image
        return lambda: still_frames(image, size, shot.motion, frames)
    return lambda: clip_frames(shot.source, size, shot.motion, frames, fps, fit=shot.fit or "hold", length=length)


def short_clips(request: AssemblyRequest, timeline: Timeline, lengths: dict[int, float]) -> list[dict[str, Any]]:
    """The clips shorter than their shot by more than a frame: `{"shot": index, "clip": seconds, "shot_seconds":
    seconds, "fit": the shot's fit, None when not chosen}`, for the commands to warn about (a held last frame
    looks frozen)."""
    short = []
    for span in timeline.spans:
        length, shown = lengths.get(span.index), timeline.seconds(span.frames)
        if length is not None and shown - length > 1 / float(timeline.fps) + 1e-6:
            fit = request.shots[span.index].fit
            short.append({"shot": span.index, "clip": length, "shot_seconds": shown, "fit": fit})
    return short


def _shot_report(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {
            "start": timeline.seconds(span.start),
            "duration": timeline.seconds(span.frames),
            "speech": span.speech,
            "lengthened": span.lengthened,
        }
        for span in timeline.spans
    ]


def short_clip_warnings(short: list[dict[str, Any]], label: Callable[[int], str], field: str) -> list[str]:
    """A warning for each clip of `short` (`short_clips`) whose fit was not chosen; `label` names shot i, `field`
    the setting that chooses."""
    return [
        f"{label(item['shot'])}: its clip lasts {item['clip']:.2f} s of the {item['shot_seconds']:.2f} s it is on "
        f"screen, so its last frame is held (it looks frozen); set {field}: loop or {field}: stretch (or hold, to "
        "keep it so), or make the clip longer"
        for item in short
        if item["fit"] is None
    ]
