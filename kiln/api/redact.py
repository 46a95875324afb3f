"""Keys never reach the logs: the log lines of uvicorn (which print each request's path with its query string)
show `?token=` and similar query parameters redacted. `/v1/ws` still accepts `?token=` from API clients that
cannot send a header; the studio uses its session cookie."""

from __future__ import annotations

import logging
import re

__all__ = ["SECRET_QUERY", "SecretQueryFilter", "redact"]

SECRET_QUERY = re.compile(r"([?&](?:token|api_key|key|signature)=)[^&\s\"']*", re.IGNORECASE)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """`text` with the values of secret query parameters replaced."""
    return SECRET_QUERY.sub(rf"\1{REDACTED}", text)


class SecretQueryFilter(logging.Filter):
    """Redacts secret query parameters in a record's message and its string arguments (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
