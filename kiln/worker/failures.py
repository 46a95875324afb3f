"""What can go wrong with a unit in the worker, and how each is told: a device left unusable (the process must
exit), a failure the store could not record, files that could not be stored, and the reason a user reads for an item
that failed on its own."""

from __future__ import annotations

import torch

from kiln.errors import KilnError
from kiln.types import ImageItem

__all__ = ["DeviceFailed", "FailureNotRecorded", "StorageFailed", "device_failed", "failure_reason"]


class DeviceFailed(KilnError):
    """The accelerator is in an unrecoverable state (a CUDA error poisons the process's context): the worker
    process must exit. Its unit is not released, so the lease expires and the attempt is counted, which fails
    an item that keeps breaking the device after `max_attempts`."""


_DEVICE_ERRORS = ("CUDA error", "CUBLAS_STATUS_", "CUDNN_STATUS_", "cuDNN error", "NCCL error")


def device_failed(exc: BaseException) -> bool:
    """Whether an error leaves the device unusable for the rest of the process (out of memory does not)."""
    return (
        isinstance(exc, RuntimeError)
        and not isinstance(exc, torch.OutOfMemoryError)
        and any(marker in str(exc) for marker in _DEVICE_ERRORS)
    )


class FailureNotRecorded(KilnError):
    """The store could not record an item's failure, not even with a plain reason (the database itself fails): the
    unit is not released (a released item is claimed again without an attempt counted, for ever), so its lease
    expires and counts the attempt, and the worker backs off."""


class StorageFailed(KilnError):
    """Files of a unit could not be stored (a full or read-only disk): their items were handed back counting an
    attempt (`JobStore.storage_failed`), and the worker backs off before claiming again."""


def failure_reason(exc: BaseException, item: ImageItem) -> str:
    """A reason a user can act on, for an item that failed on its own."""
    if isinstance(exc, torch.OutOfMemoryError):
        return (
            f"out of memory: one {item.width}x{item.height} image of {item.model} does not fit on this device; "
            "use a smaller size or a lighter model"
        )
    if isinstance(exc, KilnError):
        return str(exc)
    return f"generation failed: {type(exc).__name__}: {exc}"
