#!/usr/bin/env bash
# Installs kiln with its test tools and runs every check: ruff, mypy and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/ruff check kiln tests bench
.venv/bin/ruff format --check kiln tests bench
.venv/bin/mypy
.venv/bin/pytest "$@"
