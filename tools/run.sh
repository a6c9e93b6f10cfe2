#!/usr/bin/env bash
# Sets up, builds, and runs mlavk. Without arguments: generates with the built-in model. With arguments: passes
# them to the mlavk CLI (for example: bash tools/run.sh chat, or bash tools/run.sh run -m model.gguf -p "Hi").
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build >/dev/null
if [ $# -eq 0 ]; then set -- run -p "ROMEO:" -n 200 --seed 1; fi
exec ./build/tools/mlavk "$@"
