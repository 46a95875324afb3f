#!/usr/bin/env bash
# Creates .venv and installs kiln with its test tools. Safe to run again: it reinstalls only when
# pyproject.toml changed. torch is installed first, pinned: an unpinned torch pulls a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "kiln needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.kiln-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  # spandrel loads ESRGAN-family upscalers; --no-deps: its torchvision requirement would pull PyPI's CUDA build,
  # which a CPU torch cannot load (kiln stands in for the two torchvision functions spandrel imports)
  .venv/bin/python -m pip install --quiet --no-deps "spandrel==0.4.2"
  echo "$want" > "$stamp"
fi
# espeak-ng: the default text-to-speech engine for narration (kiln.media.tts); only narration needs it.
if ! command -v espeak-ng >/dev/null; then
  if command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng; } >/dev/null \
      || echo "could not install espeak-ng with apt-get; install it to narrate videos" >&2
  else
    echo "install espeak-ng (e.g. brew install espeak-ng) to narrate videos" >&2
  fi
fi
# chromium: the studio's browser tests (tests/studio) drive Debian's Chromium through Playwright; only tests need it.
if [ ! -x /usr/bin/chromium ] && [ -z "${KILN_TEST_CHROMIUM:-}" ]; then
  if command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null \
      || echo "could not install chromium with apt-get; the studio's browser tests need it" >&2
  else
    echo "install Chromium (or set KILN_TEST_CHROMIUM to a Chromium binary) for the studio's browser tests" >&2
  fi
fi
