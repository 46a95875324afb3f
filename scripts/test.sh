#!/usr/bin/env bash
# Installs kiln with its test tools and runs every check: the studio's (type check, lint, unit tests, build, and
# that the built bundle is the one committed), then ruff, mypy and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test.sh needs Node.js 20.19 or newer, with npm, to check and build the studio in web/" >&2
  echo "(e.g. apt-get install nodejs npm, or https://nodejs.org); kiln itself runs without it" >&2
  exit 1
fi
(cd web && npm ci --no-audit --no-fund && npm run typecheck && npm run lint && npm test && npm run build)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && [ -n "$(git status --porcelain kiln/studio/dist)" ]; then
  echo "kiln/studio/dist is not what web/ builds: commit the bundle that 'cd web && npm run build' made" >&2
  git status --porcelain kiln/studio/dist >&2
  exit 1
fi
.venv/bin/ruff check kiln tests bench
.venv/bin/ruff format --check kiln tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
