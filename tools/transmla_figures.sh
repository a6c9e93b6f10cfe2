#!/usr/bin/env bash
# Regenerates the measured tables of docs/TRANSMLA.md: the committed GQA model converted by `mlavk transmla` in each
# mode, each result's validation perplexity measured by mlavk (F32 latent cache) and its KV bytes per token, then
# decode speed of two conversions at a short and a long context. Not part of the test suite (minutes on lavapipe).
#
#   tools/transmla_figures.sh [MLAVK] [WORKDIR]      (defaults: build/tools/mlavk, build/transmla_figures)
#
# Calibration: the first 40,000 characters of Tiny Shakespeare (inside the training split; about 12k tokens, 47
# windows of 256). Validation: tests/data/tinyshakespeare_validation.txt, the split tests/golden/gqa_perplexity.json
# (PyTorch, float64) was measured on, with the same window rule (-c 256). One mlavk perplexity run over the whole
# split takes minutes on lavapipe, so only the exact form is measured on all of it; every form is measured on the
# first VAL_CHARS characters of the split (default 13,400: 4,941 tokens, 20 windows), the GQA original there by
# PyTorch (float64, tools/train_tiny/golden_gqa.py --perplexity). FULL_SPLIT=0 skips the
# whole-split run, SPEED=0 the decode speeds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mlavk=${1:-$root/build/tools/mlavk}
work=${2:-$root/build/transmla_figures}
model=$root/models/mlavk-tiny-shakespeare-gqa.gguf
val=$root/tests/data/tinyshakespeare_validation.txt
mkdir -p "$work"
head -c 40000 "$root/../shared/data/tinyshakespeare.txt" > "$work/calib.txt"
head -c "${VAL_CHARS:-13400}" "$val" > "$work/val-part.txt"
ppl_of() { "$mlavk" perplexity -m "$1" -f "$2" -c 256 -b 256 --kv-f32 | grep -o 'perplexity [0-9.]*' | grep -o '[0-9.]*$'; }

gqa_ppl=$(grep -o '"perplexity": *[0-9.]*' "$root/tests/golden/gqa_perplexity.json" | grep -o '[0-9.]*$')
if [ "${FULL_SPLIT:-1}" = 1 ]; then     # FULL_SPLIT=0 skips this (minutes)
  "$mlavk" transmla -m "$model" -o "$work/exact-full.gguf" --exact > /dev/null
  echo "Whole validation split: GQA original (PyTorch, float64) $gqa_ppl; exact form (mlavk, F32 cache)" \
    "$(ppl_of "$work/exact-full.gguf" "$val")"
fi
echo
echo "| form | rope dim | kv rank | FreqFold | KV bytes/token (f16) | KV compression | perplexity, first $(wc -c < "$work/val-part.txt") characters |"
echo "|---|---:|---:|---:|---:|---:|---:|"
torch_ppl=$(/usr/bin/python3 "$root/tools/train_tiny/golden_gqa.py" "$model" --perplexity "$work/val-part.txt" |
            grep -o 'perplexity [0-9.]*' | grep -o '[0-9.]*$')
printf "| GQA original (PyTorch, float64) | 64 | - | - | 1024 | 0%% | %.3f |\n" "$torch_ppl"

# name | transmla options
rows=(
  "exact|--exact"
  "partial RoPE|--rope-dim 32 --kv-rank 96"
  "partial RoPE|--rope-dim 16 --kv-rank 112"
  "partial RoPE|--rope-dim 8 --kv-rank 120"
  "partial RoPE|--rope-dim 4 --kv-rank 124"
  "MLA (as Qwen2.5-7B: 43.75%)|--rope-dim 8 --kv-rank 64"
  "MLA|--rope-dim 8 --kv-rank 56"
  "MLA (as Llama-3-8B: 71.9%)|--rope-dim 4 --kv-rank 32"
  "MLA|--rope-dim 8 --kv-rank 24"
  "MLA|--rope-dim 8 --kv-rank 24 --freqfold 8"
  "MLA|--rope-dim 8 --kv-rank 24 --freqfold auto"
  "MLA, uncalibrated|--rope-dim 8 --kv-rank 24 --no-calib"
  "MLA|--rope-dim 8 --kv-rank 8"
  "MLA|--rope-dim 4 --kv-rank 12"
  "MLA (as Llama-2-7B: 92.97%)|--rope-dim 4 --kv-rank 5"
  "MLA (as Llama-2-7B: 92.97%)|--rope-dim 4 --kv-rank 5 --freqfold 16"
  "MLA (as Llama-2-7B: 92.97%)|--rope-dim 4 --kv-rank 5 --freqfold auto"
)
i=0
for row in "${rows[@]}"; do
  name=${row%%|*}
  read -r -a opts <<< "${row#*|}"
  calib=(--calib "$work/calib.txt")
  if [ "${opts[-1]}" = "--no-calib" ]; then
    unset 'opts[-1]'
    calib=()
  fi
  [[ " ${opts[*]} " == *" auto "* ]] && name="$name, FreqFold auto"
  out=$work/mla-$i.gguf
  line=$("$mlavk" transmla -m "$model" -o "$out" "${calib[@]}" "${opts[@]}" | grep -v '^freqfold')
  rope=$(sed -n 's/.*rope dim \([0-9]*\), kv rank \([0-9]*\), freqfold \([0-9]*\).*/\1 \2 \3/p' <<< "$line")
  kv=$(sed -n 's/.*MLA \([0-9]*\) bytes.*/\1/p' <<< "$line")
  ppl=$(ppl_of "$out" "$work/val-part.txt")
  read -r r k f <<< "$rope"
  printf "| %s | %s | %s | %s | %s | %.2f%% | %.3f |\n" "$name" "$r" "$k" "$f" "$kv" \
    "$(awk -v kv="$kv" 'BEGIN { print 100 * (1 - kv / 1024) }')" "$ppl"
  i=$((i + 1))
done

# Decode speed: 64 tokens generated one at a time after 16 and after 2000 cached tokens (past the trained context of
# 256 only the speed is meaningful), for the exact form (latent 128 wide) and the 87.5% one (16 wide; the 92.97%
# one, 9 wide, needs --kv-f32: the F16 cache takes even widths only).
[ "${SPEED:-1}" = 1 ] || exit 0     # SPEED=0 skips the decode speeds (minutes)
echo
echo "| form | KV bytes/token | decode tok/s, 16 cached | decode tok/s, 2000 cached |"
echo "|---|---:|---:|---:|"
for pair in "exact|0" "MLA rope 8 rank 8|12"; do
  name=${pair%%|*}
  out=$work/mla-${pair#*|}.gguf
  kv=$("$mlavk" info "$out" | sed -n 's/latent KV cache (f16): \([0-9]*\) bytes per token.*/\1/p')
  speed() { "$mlavk" bench -m "$out" -p 0 -n 64 -r 2 -d "$1" | grep ' tg64' |
            sed 's/.*| *\([0-9.]*\) ± .*/\1/'; }
  printf "| %s | %s | %s | %s |\n" "$name" "$kv" "$(speed 16)" "$(speed 2000)"
done
