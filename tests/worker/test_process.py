"""The worker process's stop paths that need no model: signals, and the parent's death."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conditions import wait_until

ROOT = Path(__file__).resolve().parents[2]

# A parent that starts a child watching it with `stop_with_parent`, then exits before the child's imports end.
ORPHAN = """
import os, subprocess, sys
child = (
    "import sys, threading\\n"
    "from kiln.worker.process import stop_with_parent\\n"
    "stop = threading.Event()\\n"
    "stop_with_parent(stop, int(sys.argv[2]), interval=0.05)\\n"
    "if stop.wait(30):\\n"
    "    open(sys.argv[1], 'w').write('stopped')\\n"
)
subprocess.Popen([sys.executable, "-c", child, sys.argv[1], str(os.getpid())])
"""


def test_a_supervised_worker_stops_when_its_parent_dies(tmp_path: Path) -> None:
    marker = tmp_path / "child"
    subprocess.run([sys.executable, "-c", ORPHAN, str(marker)], check=True, cwd=ROOT, timeout=30)
    wait_until(marker.exists, timeout=30, what="the orphaned child to notice")
    assert marker.read_text() == "stopped"
