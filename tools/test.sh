#!/usr/bin/env bash
# Sets up, builds with warnings as errors and runs the whole test suite (on lavapipe when there is no GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja -DMLAVK_WERROR=ON
cmake --build build
cd build && ctest --output-on-failure -j2
