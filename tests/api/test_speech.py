"""Speech against a real `kiln serve` process (auth on, a key from `kiln keys create`): the official `openai`
client's `audio.speech.create` gets audio PyAV decodes, as long as the WAV of the same line, in every format;
OpenAI's voices are distinct voices; `speed` changes the pace; bad input is a 400 in OpenAI's error shape naming the
field; `GET /v1/audio/voices` lists the voices; `kiln speak` writes the same line to a file."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import openai
import pytest
from openai import OpenAI

from kiln.media.speech_formats import SPEECH_RATE
from kiln.media.voices import VOICES
from tests.conditions import needs_espeak
from tests.e2e.server import ServeProcess, create_key, serve_env

pytestmark = [needs_espeak, pytest.mark.timeout(300)]

LINE = "The lighthouse keeper counted the ships until the fog came in."
FORMATS = ("mp3", "opus", "aac", "flac", "wav")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A `kiln serve --workers 0` (speech needs no worker); yields (base URL, token)."""
    root = tmp_path_factory.mktemp("speech")
    env = serve_env(root)
    token = create_key(env, "speaker")
    process = ServeProcess(env, root / "serve.log", workers=0)
    try:
        process.start()
        yield process.url, token
    finally:
        if process.process is not None:
            process.stop()


def client_for(server: tuple[str, str]) -> OpenAI:
    base, token = server
    return OpenAI(base_url=f"{base}/v1", api_key=token, max_retries=0, timeout=60)


def seconds_of(data: bytes) -> float:
    """Seconds of sound PyAV decodes from `data` (every sample counted)."""
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.codec_context.sample_rate


def speech(server: tuple[str, str], **body: Any) -> httpx.Response:
    base, token = server
    payload = {"model": "tts-1", "voice": "alloy", "input": LINE, **body}
    return httpx.post(f"{base}/v1/audio/speech", json=payload, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def test_the_openai_client_gets_mp3_of_the_lines_length(server: tuple[str, str]) -> None:
    client = client_for(server)
    mp3 = client.audio.speech.create(model="tts-1", voice="nova", input=LINE, response_format="mp3")
    wav = client.audio.speech.create(model="tts-1", voice="nova", input=LINE, response_format="wav")
    assert mp3.response.headers["content-type"] == "audio/mpeg"
    with av.open(io.BytesIO(mp3.content), mode="r") as container:
        assert container.format.name == "mp3" and container.streams.audio[0].codec_context.name.startswith("mp3")
    expected = seconds_of(wav.content)
    assert 2.0 < expected < 10.0  # a spoken line, not silence or a stub
    assert seconds_of(mp3.content) == pytest.approx(expected, abs=0.1)
    assert float(mp3.response.headers["x-kiln-duration"]) == pytest.approx(expected, abs=0.05)
    hd = client.audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input=LINE, instructions="Speak warmly")
    assert seconds_of(hd.content) == pytest.approx(expected, abs=0.1)  # mp3 by default; instructions accepted


def test_every_format_decodes_to_the_same_length(server: tuple[str, str]) -> None:
    answers = {name: speech(server, response_format=name) for name in (*FORMATS, "pcm")}
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    types = {name: r.headers["content-type"] for name, r in answers.items()}
    assert types == {"mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac", "flac": "audio/flac",
                     "wav": "audio/wav", "pcm": "audio/pcm"}  # fmt: skip
    expected = seconds_of(answers["wav"].content)
    for name in FORMATS:
        assert seconds_of(answers[name].content) == pytest.approx(expected, abs=0.1), name
    with av.open(io.BytesIO(answers["wav"].content), mode="r") as container:
        context = container.streams.audio[0].codec_context
        assert (context.sample_rate, context.channels, context.name) == (SPEECH_RATE, 1, "pcm_s16le")
    pcm = answers["pcm"].content  # 16-bit mono at 24 kHz, no header, like OpenAI's
    assert len(pcm) % 2 == 0 and len(pcm) / 2 / SPEECH_RATE == pytest.approx(expected, abs=0.01)


def test_voices_are_distinct_and_speed_sets_the_pace(server: tuple[str, str]) -> None:
    client = client_for(server)
    openai_voices = [v for v in VOICES.values() if v.openai]
    assert len({v.engine_voice for v in openai_voices}) == len(openai_voices) == 11
    sounds = {v: speech(server, voice=v, response_format="wav").content for v in ("nova", "onyx", "fable")}
    assert len(set(sounds.values())) == 3
    normal = seconds_of(sounds["nova"])
    fast = client.audio.speech.create(model="tts-1", voice="nova", input=LINE, response_format="wav", speed=2.0)
    slow = client.audio.speech.create(model="tts-1", voice="nova", input=LINE, response_format="wav", speed=0.6)
    assert seconds_of(fast.content) < 0.7 * normal < normal < 0.8 * seconds_of(slow.content)

    base, token = server
    listed = httpx.get(f"{base}/v1/audio/voices", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    data = listed.json()["data"]
    assert [v["id"] for v in data][:11] == [v.id for v in openai_voices]
    assert {"id": "nova", "engine_voice": "en-us+f3", "label": VOICES["nova"].label, "openai": True} in data
    narrator = next(v for v in data if v["id"] == "narrator")
    assert speech(server, voice=narrator["id"], response_format="wav").status_code == 200


def test_bad_input_is_a_400_naming_the_field_in_openais_shape(server: tuple[str, str]) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        client_for(server).audio.speech.create(model="tts-1", voice="nobody", input=LINE)
    assert raised.value.status_code == 400
    assert isinstance(raised.value.body, dict) and raised.value.body["param"] == "voice"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"voice": "nobody"}, "voice"),
        ({"response_format": "ogg"}, "response_format"),
        ({"speed": 5}, "speed"),
        ({"speed": 0.1}, "speed"),
        ({"input": ""}, "input"),
        ({"input": "   "}, "input"),
        ({"input": "a" * 4097}, "input"),
        ({"model": "whisper-1"}, "model"),
        ({"model": "os:system"}, "model"),  # an engine class is the server's choice (KILN_TTS), never a caller's
    ]
    for body, field in cases:
        answer = speech(server, **body)
        assert answer.status_code == 400, (body, answer.text)
        error = answer.json()["error"]
        assert error["param"] == field and error["type"] == "invalid_request_error" and error["message"], body
    base, _ = server
    anonymous = httpx.post(f"{base}/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": LINE})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(f"{base}/v1/audio/voices").status_code == 401


def test_kiln_speak_writes_the_line(server: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "lines" / "line.mp3"
    done = subprocess.run(
        [sys.executable, "-m", "kiln.cli", "speak", LINE, "--voice", "nova", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wav = speech(server, voice="nova", response_format="wav").content
    assert seconds_of(out.read_bytes()) == pytest.approx(seconds_of(wav), abs=0.1)
    refused = subprocess.run(
        [sys.executable, "-m", "kiln.cli", "speak", LINE, "--voice", "nobody", "--out", str(tmp_path / "x.mp3")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "voice" in refused.stderr and not (tmp_path / "x.mp3").exists()
