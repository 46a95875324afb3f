"""What an uploaded file must be to be kept: checked by its content when it is uploaded, not by its header later.

An image must be within the pixel limit by its header (`kiln.media.pixels`: a bomb is refused before anything is
decoded) and then decode to its last pixel (a truncated PNG is refused now, not by the worker after the job was
charged); an audio file must hold a sound track whose first sound decodes (`kiln.media.audio.check_audio`); a clip
must hold a track FFmpeg decodes. The stored content type is the one of the format found (never the client's
`Content-Type`, which may be anything), and the file name loses its control characters. Errors name the file as
the caller sent it, under the field `file`.
"""

from __future__ import annotations

import io
import mimetypes
import tempfile
import unicodedata
import warnings
from pathlib import Path

import av
from PIL import Image

from kiln.errors import InvalidInput
from kiln.media.audio import check_audio
from kiln.media.pixels import check_pixels

__all__ = ["AUDIO_SUFFIXES", "IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "checked_upload", "clean_name"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov")
AUDIO_SUFFIXES = (".wav", ".mp3", ".aac", ".m4a")
_FIELD = "file"


def clean_name(name: str) -> str:
    """`name` without control or format characters (NUL, newlines, bidi overrides), which no file name needs."""
    return "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))


def checked_upload(data: bytes, suffix: str, name: str, *, max_pixels: int) -> str:
    """The content type of an upload whose name ends in `suffix`, found from its content; `InvalidInput` naming
    `file` and saying what is wrong when it is not a whole file of that kind. Blocking (decodes): run in a thread."""
    if suffix in IMAGE_SUFFIXES:
        return _image(data, name, max_pixels)
    with tempfile.TemporaryDirectory(prefix="kiln-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        if suffix in AUDIO_SUFFIXES:
            try:
                check_audio(path)
            except ValueError as exc:
                message = str(exc).replace(str(path), name)
                raise InvalidInput(_FIELD, f"{message}; upload a whole WAV, MP3, AAC or M4A file") from None
        else:
            _clip(path, name)
    return mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"


def _image(data: bytes, name: str, max_pixels: int) -> str:
    if not check_pixels(data, max_pixels=max_pixels, field=_FIELD, name=name):
        raise InvalidInput(_FIELD, f"{name} is not an image kiln can read; upload a PNG, JPEG, WebP or GIF")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # within max_pixels: checked above
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel: a truncated or corrupt file fails here
                found = image.format
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput(_FIELD, f"{name} cannot be decoded as an image ({exc}); upload the whole file") from None
    return Image.MIME.get(found or "", "application/octet-stream")


def _clip(path: Path, name: str) -> None:
    """A clip must open in FFmpeg and its first frame (of picture or, failing that, of sound) decode."""
    try:
        with av.open(str(path)) as container:
            streams = container.streams.video or container.streams.audio
            if not streams:
                raise InvalidInput(_FIELD, f"{name} has no picture or sound track; upload an MP4, WebM or MOV clip")
            for _ in container.decode(streams[0]):
                return
    except av.FFmpegError as exc:
        reason = str(exc).replace(str(path), name)
        raise InvalidInput(_FIELD, f"{name} is not a clip FFmpeg can read ({reason}); upload the whole file") from None
    raise InvalidInput(_FIELD, f"{name} has a track with nothing in it; upload an MP4, WebM or MOV clip")
