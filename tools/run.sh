#!/usr/bin/env bash
# Sets up, builds, and runs mlavk. Arguments are passed to the mlavk CLI (default: list the devices).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build >/dev/null
if [ $# -eq 0 ]; then set -- devices; fi
exec ./build/tools/mlavk "$@"
