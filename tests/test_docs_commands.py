"""Every command in README.md and docs/*.md runs as written.

Each document's snippets (`tests.doc_snippets`) run in order in one fresh copy of the repository, so a command may
use what an earlier one made: shell commands each in their own `bash -c`, Python blocks with the repo's
interpreter. The repo's virtualenv is the copy's `.venv` (already installed: `scripts/install.sh` finds its stamp
and installs nothing), and first on PATH, so `kiln` is this checkout's; the store is in the copy (KILN_DATA_DIR),
`kiln serve` listens on a free port (KILN_PORT) where the SDK finds it (KILN_URL), and the key `kiln keys create`
prints is KILN_API_KEY for the Python blocks.

What the test changes, all in the tables below, and why: commands it does not run (EXCLUDED); commands that run
until stopped (DAEMONS: started in the background, checked ready, stopped after the document's last snippet);
4 denoising steps and 64x64 for `kiln generate`, `video` and `animate` commands that set neither (the `kiln` on
PATH is `tests.doc_kiln`, which adds them: they change what a run costs, not what it does); and text replaced in
Python blocks (PYTHON_CHEAPER). A snippet that is illustrative goes in a `text` block; a fenced block with no
language fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.conditions import wait_until
from tests.doc_kiln import cheaper
from tests.doc_snippets import Snippet, snippets, unlabelled_fences
from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_TIMEOUT = 300.0

EXCLUDED: dict[str, str] = {
    "bash scripts/test.sh": "the whole suite (ruff, mypy, pytest), this test included",
}
PYTHON_CHEAPER: list[tuple[str, str, str]] = [
    ("n=50", "n=1", "2 prompts x 50 images x 44 steps take many minutes on 2 CPU cores; one each makes the same calls"),
    ('defaults={"style": "cinematic"}', 'defaults={"style": "cinematic", "steps": 2}', "steps change the cost only"),
]

# `kiln` on the copy's PATH (and the copy's .venv/bin/kiln, which scripts/demo.sh runs): `tests.doc_kiln`
SHIM = f"#!{sys.executable}\nfrom tests.doc_kiln import main\n\nmain()\n"


def _readyz(session: Session) -> dict[str, object] | None:
    try:
        response = httpx.get(f"{session.env['KILN_URL']}/readyz", timeout=5)
    except httpx.TransportError:
        return None
    body: dict[str, object] = response.json()
    return body


def _serve_ready(session: Session) -> bool:
    body = _readyz(session)
    return body is not None and body.get("ready") is True


def _one_more_worker(session: Session) -> Callable[[], bool]:
    before = _workers(session)
    return lambda: _workers(session) > before


def _workers(session: Session) -> int:
    body = _readyz(session)
    assert body is not None, "`kiln worker` is checked through a running `kiln serve`: start it first"
    checks = body["checks"]
    assert isinstance(checks, dict)
    return int(checks["workers"])


# command -> (what it is ready for, a function of the session giving the readiness check)
DAEMONS: dict[str, tuple[str, Callable[[Session], Callable[[], bool]]]] = {
    "kiln serve": ("/readyz to answer 200", lambda session: lambda: _serve_ready(session)),
    "kiln worker": ("/readyz to count one more worker", _one_more_worker),
}


@dataclass
class Session:
    """One document's run: its folder, its environment, the daemons it started and what each command took."""

    work: Path
    env: dict[str, str]
    daemons: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)

    def run(self, snippet: Snippet) -> None:
        started = time.monotonic()
        if snippet.kind == "file":
            (self.work / snippet.name).write_text(snippet.text)
        elif snippet.kind == "python":
            self._python(snippet)
        else:
            self._bash(snippet)
        self.timings.append((f"{snippet.where} {snippet.text.splitlines()[0][:70]}", time.monotonic() - started))

    def _python(self, snippet: Snippet) -> None:
        text = snippet.text
        for old, new, _ in PYTHON_CHEAPER:
            text = text.replace(old, new)
        done = subprocess.run(
            [sys.executable, "-"], input=text, cwd=self.work, env=self.env, capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT,
        )  # fmt: skip
        assert done.returncode == 0, f"{snippet.where}: the Python block failed:\n{text}\n{_tail(done)}"

    def _bash(self, snippet: Snippet) -> None:
        words = command_words(snippet.text)
        if words in EXCLUDED:
            return
        for name, (what, ready) in DAEMONS.items():
            if words.startswith(name):
                self._start(snippet, what, ready(self))
                return
        done = subprocess.run(
            ["bash", "-c", snippet.text], cwd=self.work, env=self.env, capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT,
        )  # fmt: skip
        assert done.returncode == 0, f"{snippet.where}: `{snippet.text}` exited {done.returncode}:\n{_tail(done)}"
        if words.startswith("kiln keys create"):  # the key, for the SDK snippets (the Client reads KILN_API_KEY)
            self.env["KILN_API_KEY"] = done.stdout.strip().splitlines()[-1]

    def _start(self, snippet: Snippet, what: str, ready: Callable[[], bool]) -> None:
        log = (self.work / f"daemon-{len(self.daemons)}.log").open("wb")
        process = subprocess.Popen(
            ["bash", "-c", snippet.text], cwd=self.work, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops the workers it started
        )  # fmt: skip
        self.daemons.append((process, log))

        def check() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"{snippet.where}: `{snippet.text}` exited {process.returncode}:\n{_log(log)}")
            return ready()

        wait_until(check, timeout=120, interval=0.2, what=f"{snippet.where}: `{snippet.text}`: {what}")

    def stop(self) -> None:
        for process, log in reversed(self.daemons):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            log.close()


def command_words(command: str) -> str:
    """The command's words without comments, spaced once (its first line: a here-document's body is data)."""
    first = command.split("\n", 1)[0]
    try:
        return " ".join(shlex.split(first, comments=True))
    except ValueError:  # an unclosed quote continued on the next line
        return first.strip()


def _tail(done: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"


def _log(log: IO[bytes]) -> str:
    log.flush()
    return Path(log.name).read_text(errors="replace")[-3000:]


def _workspace(tmp_path: Path) -> Path:
    """A copy of the repository whose `.venv` is the running one (installed: install.sh's stamp matches)."""
    work = tmp_path / "repo"
    ignored = shutil.ignore_patterns(".git", ".venv", "outputs", "__pycache__", ".*_cache", "node_modules")
    shutil.copytree(ROOT, work, ignore=ignored)
    venv_bin = work / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for entry in (Path(sys.prefix) / "bin").iterdir():
        if entry.name != "kiln":
            (venv_bin / entry.name).symlink_to(entry)
    (venv_bin / "kiln").write_text(SHIM)
    (venv_bin / "kiln").chmod(0o755)
    stamp = hashlib.sha256((work / "pyproject.toml").read_bytes()).hexdigest()
    (work / ".venv" / ".kiln-installed").write_text(stamp + "\n")
    return work


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    work = _workspace(tmp_path)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KILN_")}
    env.update(
        PATH=f"{work / '.venv' / 'bin'}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(ROOT),
        HF_HUB_OFFLINE="1",
        COLUMNS="200",
        KILN_DATA_DIR=str(work / "data"),
        KILN_DEVICE="cpu",
        KILN_THREADS="2",
        KILN_PORT=str(port),
        KILN_URL=f"http://127.0.0.1:{port}",
    )
    run = Session(work, env)
    try:
        yield run
    finally:
        run.stop()
        timings = "\n".join(f"{seconds:7.1f} s  {what}" for what, seconds in run.timings)
        print(f"\ncommands run in {work}:\n{timings}")


@pytest.mark.slow
@pytest.mark.timeout(1800)  # a few minutes on 2 idle cores; each command is a new process that imports torch
@pytest.mark.parametrize("doc", DOCS, ids=[doc.relative_to(ROOT).as_posix() for doc in DOCS])
def test_every_command_of_the_document_runs_as_written(doc: Path, session: Session) -> None:
    for snippet in snippets(doc):
        session.run(snippet)


@pytest.mark.parametrize(
    ("given", "run"),
    [
        (["generate", "a cat"], ["generate", "a cat", "--steps", "4", "--width", "64", "--height", "64"]),
        (["generate", "a cat", "--steps=9", "--aspect", "4:3"], ["generate", "a cat", "--steps=9", "--aspect", "4:3"]),
        (["video", "--image", "a.png"], ["video", "--image", "a.png", "--steps", "4"]),
        (["animate", "control", "d", "stop"], ["animate", "control", "d", "stop"]),
        (["models"], ["models"]),
    ],
)
def test_the_docs_kiln_adds_steps_and_a_size_only_where_none_is_given(given: list[str], run: list[str]) -> None:
    assert cheaper(given) == run


def test_every_fenced_block_says_whether_it_runs() -> None:
    """`bash` and `python` blocks run; an illustrative one says `text` (or its format): none is left unlabelled."""
    unlabelled = {doc.name: lines for doc in DOCS if (lines := unlabelled_fences(doc))}
    assert not unlabelled, f"fenced blocks without a language (lines): {unlabelled}"


def test_every_rule_of_this_test_still_applies() -> None:
    """An exclusion or a replacement that matches nothing is stale: remove it, or the command it was for changed."""
    found = [snippet for doc in DOCS for snippet in snippets(doc)]
    commands = {command_words(s.text) for s in found if s.kind == "bash"}
    assert set(EXCLUDED) <= commands, set(EXCLUDED) - commands
    python = "".join(s.text for s in found if s.kind == "python")
    stale = [old for old, _, _ in PYTHON_CHEAPER if old not in python]
    assert not stale, stale
