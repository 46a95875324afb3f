"""Answering a download from storage that is not a local folder: a redirect to a presigned URL, or the file
streamed through kiln (one `Range` honoured), as `KILN_S3_DOWNLOADS` says. A folder's files keep `FileResponse`."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from kiln.errors import NotFound
from kiln.storage.protocol import Storage

__all__ = ["PRESIGNED_SECONDS", "stored_file_response"]

PRESIGNED_SECONDS = 15 * 60  # a redirect is followed at once; long enough for a slow client to start

RangeParser = Callable[[str, int], list[tuple[int, int]]]


def stored_file_response(
    storage: Storage,
    key: str,
    *,
    request: Request,
    content_type: str,
    filename: str,
    redirect: bool,
    parse_range: RangeParser,
    missing: str,
) -> Response:
    """`parse_range(header, size)` gives `[(start, end exclusive)]` or raises the API's 400/416."""
    size = storage.size(key)
    if size is None:
        raise NotFound(missing)
    if redirect:
        url = storage.presigned_url(key, filename=filename, content_type=content_type, expires_in=PRESIGNED_SECONDS)
        if url is not None:
            return RedirectResponse(url, status_code=307)
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": f'inline; filename="{filename}"'}
    header = request.headers.get("range")
    ranges = parse_range(header, size) if header else []
    if len(ranges) == 1:  # several ranges are answered whole, as a server may
        start, end = ranges[0]
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    else:
        start, end = 0, size
    try:  # the object is opened here, so one deleted since its size was read is a 404, not a broken stream
        chunks = storage.stream(key, start=start, end=end - 1) if end > start else iter([b""])
    except FileNotFoundError:
        raise NotFound(missing) from None
    headers["Content-Length"] = str(end - start)
    status = 206 if "Content-Range" in headers else 200
    return StreamingResponse(chunks, status_code=status, media_type=content_type, headers=headers)
