# Files written by llama-quantize with each of its presets, from a V2-Lite-like and a V3-like model, against
# llama.cpp's logits on the same files dequantized to F32 (tests/golden/presets/README.md: how they were made).
# One test per file, so that a failure names the model and the preset; all run one program (ctest -L presets).
set(LLAMA_QUANTIZE_PRESETS
  q8_0 q6_k q5_k_m q5_k_s q4_k_m q4_k_s q3_k_l q3_k_m q3_k_s q2_k q2_k_s q4_0 q4_1 q5_0 q5_1
  iq4_xs iq4_nl iq3_m iq3_s iq3_xxs iq2_m iq2_s iq2_xs iq2_xxs iq1_m iq1_s tq1_0 mxfp4_moe)
set(preset_args ${CMAKE_CURRENT_SOURCE_DIR}/golden/presets/manifest.json ${CMAKE_CURRENT_SOURCE_DIR}/data/presets)
set(preset_program quantized_v2_lite_q8_0_matches_llama_cpp_logits)
mlavk_test(${preset_program} GPU SOURCES test_llama_quantize_presets.c llama_golden.c ARGS ${preset_args} v2-lite-q8_0)
set_tests_properties(${preset_program} PROPERTIES LABELS presets)
foreach(model v2-lite v3)
  string(REPLACE "-" "_" model_id ${model})
  foreach(preset ${LLAMA_QUANTIZE_PRESETS})
    set(name quantized_${model_id}_${preset}_matches_llama_cpp_logits)
    if(NOT name STREQUAL preset_program)
      add_test(NAME ${name} COMMAND test_${preset_program} ${preset_args} ${model}-${preset})
      set_tests_properties(${name} PROPERTIES ENVIRONMENT "MLAVK_VALIDATE=1" LABELS presets)
    endif()
  endforeach()
endforeach()
