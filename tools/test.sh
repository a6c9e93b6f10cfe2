#!/usr/bin/env bash
# Sets up, builds with warnings as errors and runs the whole test suite (on lavapipe when there is no GPU).
# Then rebuilds the tests that need no GPU with clang under ASan/UBSan, runs them, and runs each libFuzzer
# harness for a bounded time over its seed corpus (MLAVK_FUZZ_SECONDS, default 20).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -G Ninja -DMLAVK_WERROR=ON
cmake --build build
(cd build && ctest --output-on-failure -j2)

CC=clang cmake -S . -B build-asan -G Ninja -DMLAVK_WERROR=ON -DMLAVK_SANITIZE=ON -DMLAVK_FUZZ=ON
cmake --build build-asan --target base_tests
(cd build-asan && ctest --output-on-failure -j2 -L base)

seconds=${MLAVK_FUZZ_SECONDS:-20}
artifacts=build-asan/fuzz-artifacts
mkdir -p "$artifacts"
for fuzzer in build-asan/tests/fuzz_*; do
  case $fuzzer in *fuzz_replay_*) continue ;; esac
  harness=${fuzzer##*/fuzz_}
  work=build-asan/fuzz-corpus/$harness
  mkdir -p "$work"
  echo "fuzzing $harness for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="$artifacts/$harness-" \
      "$work" "tests/fuzz/corpus/$harness" >"$artifacts/$harness.log" 2>&1; then
    tail -n 40 "$artifacts/$harness.log"
    echo "fuzz_$harness found a crash: move $artifacts/$harness-* into tests/fuzz/crashers/$harness/ and fix it" >&2
    exit 1
  fi
done
