#!/usr/bin/env bash
# Repeats the mlavk vs llama.cpp (Vulkan backend) comparison of docs/PERF.md:
# regenerates the synthetic DeepSeek-V2-Lite-width GGUF files with mlavk-gen-model, then runs
# llama-bench and `mlavk bench` on each of them with the same settings.
# It downloads and builds nothing: both programs must already be built.
#
# usage: LLAMA_CPP_DIR=/path/to/llama.cpp [MLAVK_BUILD=build] tools/perf_compare.sh
#
# environment:
#   LLAMA_CPP_DIR   llama.cpp checkout or build (required); llama-bench is looked for in
#                   $LLAMA_CPP_DIR/build/bin, then $LLAMA_CPP_DIR/bin
#   MLAVK_BUILD     mlavk build directory (default: build, relative to the repository root)
#   OUT_DIR         where the models and logs go (default: /tmp/perf)
#   TYPES           weight types to generate and compare (default: "q8_0 q4_k")
#   MODELS          existing GGUF files to compare instead of generated ones (e.g. llama-quantize outputs:
#                   `llama-quantize v2lw-f32.gguf v2lw-Q4_K_M.gguf Q4_K_M`, with the F32 file from
#                   `mlavk-gen-model --preset v2-lite-width --out-gguf v2lw-f32.gguf`)
#   PRESET          mlavk-gen-model preset (default: v2-lite-width)
#   GEN_ARGS        extra mlavk-gen-model arguments (default: none; e.g. "--vocab 16000")
#   PP, TG, REPS    prompt tokens, generated tokens, repetitions (default: 64 16 3)
#   VK_DEVICE       Vulkan device index for llama.cpp, GGML_VK_VISIBLE_DEVICES (default: 0)
#   KEEP_MODELS=1   reuse existing model files instead of regenerating them
#   SKIP_LLAMA=1, SKIP_MLAVK=1   run only one side
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
: "${LLAMA_CPP_DIR:?set LLAMA_CPP_DIR to a built llama.cpp (with build/bin/llama-bench)}"
MLAVK_BUILD="${MLAVK_BUILD:-$root/build}"
case "$MLAVK_BUILD" in /*) ;; *) MLAVK_BUILD="$root/$MLAVK_BUILD" ;; esac
OUT_DIR="${OUT_DIR:-/tmp/perf}"
TYPES="${TYPES:-q8_0 q4_k}"
PRESET="${PRESET:-v2-lite-width}"
GEN_ARGS="${GEN_ARGS:-}"
PP="${PP:-64}"
TG="${TG:-16}"
REPS="${REPS:-3}"
VK_DEVICE="${VK_DEVICE:-0}"

llama_bench=""
for c in "$LLAMA_CPP_DIR/build/bin/llama-bench" "$LLAMA_CPP_DIR/bin/llama-bench"; do
    if [ -x "$c" ]; then llama_bench="$c"; break; fi
done
gen="$MLAVK_BUILD/tools/gen_model/mlavk-gen-model"
mlavk="$MLAVK_BUILD/tools/mlavk"
missing=0
if [ -z "$llama_bench" ] && [ "${SKIP_LLAMA:-0}" != 1 ]; then
    echo "error: no llama-bench under $LLAMA_CPP_DIR/build/bin or $LLAMA_CPP_DIR/bin (build it first)" >&2
    missing=1
fi
for b in "$gen" "$mlavk"; do
    if [ ! -x "$b" ]; then
        echo "error: $b is missing (build it: ninja -C $MLAVK_BUILD mlavk_gen_model mlavk_cli)" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1
mkdir -p "$OUT_DIR" || exit 1

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# run LOG CMD...: runs the command, tees its output to LOG, appends the wall time
run() {
    local log="$1"; shift
    echo "\$ $*" | tee "$log"
    local t0 t1 rc
    t0=$(date +%s.%N)
    "$@" 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    t1=$(date +%s.%N)
    printf 'wall %.1f s, exit %d, load average %s\n' "$(awk "BEGIN{print $t1 - $t0}")" "$rc" \
        "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
    return "$rc"
}

echo "== environment ($(stamp))"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
echo "mlavk: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (modified)'), build $MLAVK_BUILD"
if [ -n "$llama_bench" ]; then
    echo "llama.cpp: $(git -C "$LLAMA_CPP_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown), $llama_bench"
    git -C "$LLAMA_CPP_DIR" diff --stat -- ggml src 2>/dev/null | tail -n 1 | sed 's/^/  local changes:/'
fi
"$mlavk" devices
if [ -n "$llama_bench" ]; then
    GGML_VK_VISIBLE_DEVICES="$VK_DEVICE" "$llama_bench" --list-devices 2>&1 | tail -n 5
fi

status=0
for type in ${MODELS:-$TYPES}; do
    model="$OUT_DIR/$PRESET-$type.gguf"
    if [ -n "${MODELS:-}" ]; then
        model="$type"
        type=$(basename "$model" .gguf)
    fi
    echo
    echo "== $PRESET $type ($(stamp))"
    if [ -n "${MODELS:-}" ]; then
        [ -f "$model" ] || { echo "error: $model does not exist" >&2; status=1; continue; }
    elif [ "${KEEP_MODELS:-0}" = 1 ] && [ -f "$model" ]; then
        echo "reusing $model"
    else
        # shellcheck disable=SC2086
        run "$OUT_DIR/gen-$type.log" "$gen" --preset "$PRESET" --type "$type" $GEN_ARGS --out-gguf "$model" >/dev/null ||
            { echo "error: generating $model failed (see $OUT_DIR/gen-$type.log)" >&2; status=1; continue; }
    fi
    "$mlavk" info "$model" | sed -n '1p;/^tensors/,/^parameters/p;/^file size/p;/^device memory/p'

    if [ "${SKIP_LLAMA:-0}" != 1 ]; then
        echo "-- llama.cpp Vulkan backend"
        log="$OUT_DIR/llama-bench-$type.log"
        # flash attention off, all layers on the Vulkan device
        GGML_VK_VISIBLE_DEVICES="$VK_DEVICE" run "$log" \
            "$llama_bench" -m "$model" -p "$PP" -n "$TG" -r "$REPS" -fa 0 -ngl 99 || status=1
        if ! grep -q '^ggml_vulkan: 0 = ' "$log" || ! grep -q '| *Vulkan' "$log"; then
            echo "warning: llama-bench did not report the Vulkan backend (check $log)" >&2
            status=1
        fi
    fi
    if [ "${SKIP_MLAVK:-0}" != 1 ]; then
        echo "-- mlavk"
        run "$OUT_DIR/mlavk-bench-$type.log" "$mlavk" bench -m "$model" -p "$PP" -n "$TG" -r "$REPS" || status=1
    fi
done
echo
echo "logs in $OUT_DIR ($(stamp)); exit $status"
exit "$status"
