#!/usr/bin/env bash
# Installs kiln and runs its main job on the embedded default: the built-in tiny model, no server,
# images and a manifest in ./outputs/demo/. Run it again and it resumes (nothing is made twice).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/kiln generate "a lighthouse on a cliff at dusk, storm clouds rolling in" \
  --style cinematic --aspect 16:9 --n 8 --seed 1 --out outputs --prefix demo
echo "Images and manifest.jsonl are in outputs/demo/"
