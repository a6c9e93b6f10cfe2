#!/usr/bin/env bash
# Regenerates the seed corpus from make_bad_models' output: small valid and near-valid files per harness.
#   tests/fuzz/make_corpus.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: make_corpus.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bad=$(mktemp -d)
trap 'rm -rf "$bad"' EXIT
"$build/tests/make_bad_models" "$bad"
rm -rf "$here/corpus/gguf" "$here/corpus/safetensors" "$here/corpus/config_json" "$here/corpus/gqa_gguf" \
  "$here/corpus/gqa_config_json"
mkdir -p "$here/corpus/gguf" "$here/corpus/safetensors" "$here/corpus/config_json" "$here/corpus/gqa_gguf" \
  "$here/corpus/gqa_config_json"
for f in micro wrong_magic version1 truncated_header truncated_data offset_past_end misaligned overlap \
         dims_overflow string_too_long unknown_value_type unknown_tensor_type; do
  cp "$bad/$f.gguf" "$here/corpus/gguf/$f.gguf"
done
cp "$bad/hf_micro/model.safetensors" "$here/corpus/safetensors/micro.safetensors"
cp "$bad/hf_bad_header/model.safetensors" "$here/corpus/safetensors/bad_header.safetensors"
cp "$bad/hf_header_too_long/model.safetensors" "$here/corpus/safetensors/header_too_long.safetensors"
cp "$bad/hf_micro/config.json" "$here/corpus/config_json/v3.json"
cp "$bad/hf_ok/config.json" "$here/corpus/config_json/v2.json"
cp "$bad/hf_bad_config/config.json" "$here/corpus/config_json/truncated.json"
cp "$bad/hf_llama/config.json" "$here/corpus/config_json/llama.json"
for arch in llama qwen2; do
  cp "$bad/gqa_${arch}_micro.gguf" "$here/corpus/gqa_gguf/$arch.gguf"
  cp "$bad/gqa_hf_$arch/config.json" "$here/corpus/gqa_config_json/$arch.json"
done
cp "$bad/hf_micro/config.json" "$here/corpus/gqa_config_json/deepseek_v3.json"
du -sh "$here/corpus"
