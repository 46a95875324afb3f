"""Log set-up for the long-running commands (`kiln serve`, `kiln worker`): one line per record, to stderr."""

from __future__ import annotations

import logging
import os

__all__ = ["setup_logging"]


def setup_logging(level: int = logging.INFO) -> None:
    """Time, process, logger and message; the pid tells the server's lines from each worker's."""
    for noisy in ("alembic", "httpx"):  # a line per migration or webhook request is too many
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s %(levelname)-7s [{os.getpid()}] %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
