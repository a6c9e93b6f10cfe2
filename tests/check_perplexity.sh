#!/usr/bin/env bash
# usage: check_perplexity.sh MLAVK TEXT GOLDEN.json
# Passes when `mlavk perplexity -f TEXT -c 256` (the built-in model) is within 1% of the perplexity in GOLDEN.json
# (PyTorch, float64, the same window rule: non-overlapping 256-token windows, each read from BOS).
set -euo pipefail
mlavk=$1 text=$2 golden=$3
want=$(grep -o '"perplexity": *[0-9.]*' "$golden" | grep -o '[0-9.]*$')
line=$("$mlavk" perplexity -f "$text" -c 256 -b 256)
echo "$line"
got=$(grep -o 'perplexity [0-9.]*' <<<"$line" | grep -o '[0-9.]*$')
awk -v got="$got" -v want="$want" 'BEGIN {
    rel = (got - want) / want; if (rel < 0) rel = -rel;
    printf "mlavk %.4f, PyTorch %.4f: relative difference %.5f (bound 0.01)\n", got, want, rel;
    exit !(got > 0 && rel <= 0.01) }'
