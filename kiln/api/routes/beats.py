"""`POST /v1/audio/beats`: a music track's tempo, beats and onsets (`kiln.media.beats`), which the studio turns
into keyframes on the beat (frame = round(t * fps)).

The track is one of the caller's uploads or artifacts; a file that is not audio, another key's file, or a track over
20 minutes is a 422 naming `audio`. The analysis runs in the API process (librosa on the CPU: a second or two for a
song, after librosa's first load).
"""

from __future__ import annotations

from fastapi import APIRouter

from kiln.api.deps import CallerDep, ServicesDep
from kiln.api.inputs import stored_file
from kiln.api.schemas.audio import BeatsRequest, BeatsResponse
from kiln.errors import InvalidInput
from kiln.media.beats import analyse_beats, decode_mono

__all__ = ["router"]

router = APIRouter(prefix="/v1/audio", tags=["audio"])


@router.post("/beats", response_model=BeatsResponse, summary="Tempo, beats and onsets of a music track")
def beats(body: BeatsRequest, services: ServicesDep, caller: CallerDep) -> BeatsResponse:
    key = stored_file(body.audio, services, caller, "audio")
    try:
        with services.storage.local_copy(key) as path:
            samples = decode_mono(path, field="audio", name=body.audio)
    except FileNotFoundError:
        raise InvalidInput("audio", f"the file of {body.audio} is gone from storage; upload it again") from None
    analysis = analyse_beats(samples)
    return BeatsResponse(
        duration_seconds=analysis.duration_seconds,
        tempo_bpm=analysis.tempo_bpm,
        beats=analysis.beats,
        onsets=analysis.onsets,
    )
