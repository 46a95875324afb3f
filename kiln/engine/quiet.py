"""Silencing diffusers' and transformers' progress bars and advisory logs: kiln reports progress itself."""

from __future__ import annotations

import warnings

__all__ = ["quiet_libraries", "quiet_transformers"]


def quiet_transformers() -> None:
    """transformers only: safe in the API process (importing diffusers would import torch)."""
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", module="transformers")


def quiet_libraries() -> None:
    """diffusers and transformers, for the processes that run pipelines."""
    from diffusers.utils import logging as diffusers_logging

    quiet_transformers()
    diffusers_logging.set_verbosity_error()
    diffusers_logging.disable_progress_bar()
    warnings.filterwarnings("ignore", module="diffusers")
