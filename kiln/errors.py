"""One exception tree for kiln. Every error a user can cause says what to change."""

from __future__ import annotations

__all__ = [
    "Cancelled",
    "InvalidInput",
    "KilnError",
    "ModelLoadError",
    "NotFound",
    "OverQuota",
    "QuotaExceeded",
    "RunConflict",
    "Unauthorized",
    "UnknownModel",
    "UnknownStyle",
    "shown_input",
]

_SHOWN_CHARS = 80


def shown_input(value: object) -> str:
    """`value` as an error message quotes what was sent: its repr, cut to a readable length (a 10,000-character
    prompt is not echoed back whole)."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else f"{text[: _SHOWN_CHARS - 3]}..."


class KilnError(Exception):
    """Base of every error kiln raises on purpose."""


class InvalidInput(KilnError):
    """Bad input from a user: names the field (and where it came from) and what to change."""

    def __init__(self, field: str, message: str, *, where: str | None = None) -> None:
        self.field = field
        self.message = message
        self.where = where
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{field}: {message}")


class UnknownModel(InvalidInput):
    """A model name that is neither built in, a known hub id, a folder nor a checkpoint file (`local=False`: a
    name from an API caller, who may not name files on the server)."""

    def __init__(self, name: str, known: list[str], *, local: bool = True) -> None:
        where = (
            "a local diffusers folder or a .safetensors file"
            if local
            else "nothing else: local models are configured on the server (KILN_DEFAULT_MODEL)"
        )
        super().__init__(
            "model",
            f"unknown model {name!r}; use a built-in id ({', '.join(known)}), a hub id like "
            f"'stabilityai/stable-diffusion-3.5-medium', or {where}",
        )


class UnknownStyle(InvalidInput):
    """A style name that is not in the style table."""

    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__("style", f"unknown style {name!r}; choose one of: {', '.join(known)}")


class ModelLoadError(KilnError):
    """A model was found but could not be loaded (missing files, offline hub, bad checkpoint)."""


class RunConflict(KilnError):
    """An output folder already holds a different run."""


class Cancelled(KilnError):
    """Generation stopped on request, between two denoising steps."""


class NotFound(KilnError):
    """A job or artifact that does not exist, or that the caller may not see (the two read the same)."""


class Unauthorized(KilnError):
    """A request without a valid API key where one is required."""


class QuotaExceeded(KilnError):
    """A request that would take an API key over its quota; the message names the limit and the usage.
    `retry_after`: whole seconds until the request would fit (None: it never will)."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OverQuota(InvalidInput):
    """A job bigger than its key's whole quota: it can never fit, so it is bad input (422), not a 429 to retry.
    `field` names what sets the job's size (`n`, `prompts`, `items.0.frames`)."""

    def __init__(self, field: str, message: str, *, quota: int, needed: int) -> None:
        super().__init__(field, message)
        self.quota = quota
        self.needed = needed
