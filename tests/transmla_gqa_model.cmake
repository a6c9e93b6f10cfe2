# The committed GQA model (models/mlavk-tiny-shakespeare-gqa.gguf, tools/train_tiny --arch llama) through
# `mlavk transmla`: the exact form gives PyTorch's logits of the GQA model (tests/golden/gqa_logits.*), and each
# mode converts it into a file mlavk runs.
set(GQA_MODEL ${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare-gqa.gguf)
set(GQA_OUT ${CMAKE_CURRENT_BINARY_DIR}/transmla_gqa)

add_test(NAME transmla_converts_the_committed_gqa_model_exactly
  COMMAND sh -c "mkdir -p ${GQA_OUT} && $<TARGET_FILE:mlavk_cli> transmla -m ${GQA_MODEL} -o ${GQA_OUT}/exact.gguf --exact")
set_tests_properties(transmla_converts_the_committed_gqa_model_exactly PROPERTIES FIXTURES_SETUP transmla_gqa_exact)
mlavk_test(transmla_exact_form_of_the_gqa_model_gives_its_pytorch_logits_and_greedy_tokens GPU
  SOURCES test_transmla_golden.c
  ARGS ${GQA_OUT}/exact.gguf ${CMAKE_CURRENT_SOURCE_DIR}/golden/gqa_logits.json
       ${CMAKE_CURRENT_SOURCE_DIR}/golden/gqa_logits.bin)
set_tests_properties(transmla_exact_form_of_the_gqa_model_gives_its_pytorch_logits_and_greedy_tokens PROPERTIES
  FIXTURES_REQUIRED transmla_gqa_exact)

# Each mode converts the model (calibrated on 8,000 characters of the training split) and the result generates.
# KV bytes per token (F16 latent cache, 4 layers): (kv rank + rope dim) x 4 x 2, against the GQA model's 1024.
function(transmla_gqa_mode_runs name kv_bytes)
  add_test(NAME transmla_${name}_form_of_the_gqa_model_runs
    COMMAND sh -c "set -e; mkdir -p ${GQA_OUT}; out=${GQA_OUT}/${name}.gguf; \
      head -c 8000 ${PROJECT_SOURCE_DIR}/../shared/data/tinyshakespeare.txt > ${GQA_OUT}/calib-${name}.txt; \
      $<TARGET_FILE:mlavk_cli> transmla -m ${GQA_MODEL} -o $out --calib ${GQA_OUT}/calib-${name}.txt $0 \"$@\"; \
      $<TARGET_FILE:mlavk_cli> info $out | grep -q 'latent KV cache (f16): ${kv_bytes} bytes per token'; \
      $<TARGET_FILE:mlavk_cli> run -m $out -p 'ROMEO:' -n 8 --temp 0 > ${GQA_OUT}/${name}.txt; \
      test -s ${GQA_OUT}/${name}.txt" ${ARGN})
  set_tests_properties(transmla_${name}_form_of_the_gqa_model_runs PROPERTIES ENVIRONMENT "MLAVK_VALIDATE=1")
endfunction()
transmla_gqa_mode_runs(exact 1024 --exact)
transmla_gqa_mode_runs(partial_rope 1024 --rope-dim 16 --kv-rank 112)
transmla_gqa_mode_runs(compressed 256 --rope-dim 8 --kv-rank 24)
