#!/usr/bin/env bash
# usage: demo_chat.sh MLAVK_CHAT TEST_DEMO_CHAT SCRIPT OUT_DIR N_PREDICT
# Runs the demo unattended in a virtual X server (token boundaries shown, so that drawing path is exercised
# too), then checks its transcript and screenshot.
set -u
chat=$1 check=$2 script=$3 out=$4 n=$5
mkdir -p "$out"
rm -f "$out/chat.png" "$out/transcript.txt"
xvfb-run -a -s "-screen 0 1280x800x24" "$chat" --script "$script" --screenshot "$out/chat.png" -n "$n" \
  --temp 0 --seed 7 --tokens >"$out/transcript.txt" 2>"$out/stderr.txt"
code=$?
cat "$out/stderr.txt"
if [ "$code" -ne 0 ]; then
  echo "FAIL: mlavk-chat exited with $code (3: validation messages from its own Vulkan instance)"
  exit 1
fi
exec "$check" "$script" "$out/transcript.txt" "$out/chat.png" "$n"
