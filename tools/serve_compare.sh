#!/usr/bin/env bash
# Many sequences at once, mlavk vs llama.cpp (Vulkan backend) on the same file and device (docs/PERF.md):
# for each N, llama-server -np N and mlavk serve --parallel N each answer N streaming completions at once, timed by
# the same client (tools/serve_bench.mjs); then `mlavk bench --parallel N` on the same file.
# It downloads and builds nothing: both programs must already be built, and node (18+) installed.
#
# usage: LLAMA_CPP_DIR=/path/to/llama.cpp MODEL=file.gguf [MLAVK_BUILD=build] tools/serve_compare.sh
#
# environment:
#   LLAMA_CPP_DIR  llama.cpp checkout or build (required); llama-server in $LLAMA_CPP_DIR/build/bin or .../bin
#   MODEL          the GGUF file both run (required)
#   PARALLEL       sequence counts (default: "1 4 16")
#   PROMPT_TOKENS, MAX_TOKENS   mlavk bench's prompt length and both sides' generated tokens (default: 8 48)
#   CTX            context per sequence (default: 256)
#   VK_DEVICE      Vulkan device index for llama.cpp, GGML_VK_VISIBLE_DEVICES (default: 0)
#   PORT           port for the servers (default: 18080)
#   SKIP_LLAMA=1, SKIP_MLAVK=1   run only one side
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
: "${LLAMA_CPP_DIR:?set LLAMA_CPP_DIR to a built llama.cpp (with build/bin/llama-server)}"
: "${MODEL:?set MODEL to the GGUF file to compare on}"
MLAVK_BUILD="${MLAVK_BUILD:-$root/build}"
case "$MLAVK_BUILD" in /*) ;; *) MLAVK_BUILD="$root/$MLAVK_BUILD" ;; esac
PARALLEL="${PARALLEL:-1 4 16}"
PROMPT_TOKENS="${PROMPT_TOKENS:-8}"
MAX_TOKENS="${MAX_TOKENS:-48}"
CTX="${CTX:-256}"
VK_DEVICE="${VK_DEVICE:-0}"
PORT="${PORT:-18080}"

llama_server=""
for c in "$LLAMA_CPP_DIR/build/bin/llama-server" "$LLAMA_CPP_DIR/bin/llama-server"; do
    if [ -x "$c" ]; then llama_server="$c"; break; fi
done
mlavk="$MLAVK_BUILD/tools/mlavk"
[ -n "$llama_server" ] || [ "${SKIP_LLAMA:-0}" = 1 ] || { echo "error: no llama-server under $LLAMA_CPP_DIR" >&2; exit 1; }
[ -x "$mlavk" ] || { echo "error: $mlavk is missing (build it first)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "error: $MODEL does not exist" >&2; exit 1; }
command -v node >/dev/null || { echo "error: node is not installed" >&2; exit 1; }

stamp() { date -u +%H:%M:%S; }
server_pid=""
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
}
trap stop_server EXIT

# serve NAME CMD...: starts a server, waits for /health (up to 10 minutes: loading on a CPU device is slow)
serve() {
    local name="$1"; shift
    "$@" >"/tmp/serve_compare_$name.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 600); do
        if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; then return 0; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 1
    done
    echo "error: $name did not become ready (see /tmp/serve_compare_$name.log)" >&2
    stop_server
    return 1
}

measure() {
    echo "   $(stamp) load $(cut -d' ' -f1 /proc/loadavg): $(node "$root/tools/serve_bench.mjs" --url "http://127.0.0.1:$PORT" \
        --parallel "$1" --max-tokens "$MAX_TOKENS" --extra "$2") end $(stamp) load $(cut -d' ' -f1 /proc/loadavg)"
}

echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) $MODEL"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs"
echo "mlavk: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -n "$llama_server" ] && echo "llama.cpp: $(git -C "$LLAMA_CPP_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
status=0
for n in $PARALLEL; do
    if [ "${SKIP_LLAMA:-0}" != 1 ]; then
        echo "-- llama-server -np $n"
        # flash attention off, all layers on the Vulkan device; one slot of CTX per sequence
        if GGML_VK_VISIBLE_DEVICES="$VK_DEVICE" serve llama "$llama_server" -m "$MODEL" -np "$n" -c $((n * CTX)) \
            -fa off -ngl 99 --host 127.0.0.1 --port "$PORT"; then
            measure "$n" '{"ignore_eos": true}' || status=1
            stop_server
        else
            status=1
        fi
    fi
    if [ "${SKIP_MLAVK:-0}" != 1 ]; then
        echo "-- mlavk serve --parallel $n"
        if serve mlavk "$mlavk" serve -m "$MODEL" --parallel "$n" -c "$CTX" --host 127.0.0.1 --port "$PORT"; then
            measure "$n" '{}' || status=1
            stop_server
        else
            status=1
        fi
        echo "-- mlavk bench --parallel $n"
        "$mlavk" bench -m "$MODEL" -p "$PROMPT_TOKENS" -n "$MAX_TOKENS" -r 1 --parallel "$n" 2>&1 | tail -n 2 ||
            status=1
    fi
done
exit "$status"
