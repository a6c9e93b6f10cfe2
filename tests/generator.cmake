# The model generator (tools/gen_model) and the models it writes for other tests.
#
# Fixture `generated_models` writes, for each tiny preset P in ${CMAKE_BINARY_DIR}/models/P/:
#   P-f32.gguf  + hf-f32/            (--type f32  --hf-dtype f32)   bit-identical values
#   P-f16.gguf  + hf-f16/            (--type f16  --hf-dtype f16)   bit-identical values
#   P-bf16.gguf + hf-bf16/           (--type bf16 --hf-dtype bf16)  bit-identical values
#   P-q8_0.gguf + hf-fp8/            (--type q8_0 --hf-dtype fp8)
#   P-q4_k.gguf + hf-f32-sharded/    (--type q4_k --hf-dtype f32 --shards 3)
# and v2-lite-tiny/v2-lite-tiny-legacy-f32.gguf (--legacy-kv-b). All with the default seed 1.
set(MLAVK_MODELS_DIR ${CMAKE_BINARY_DIR}/models)
set(mlavk_gen $<TARGET_FILE:mlavk_gen_model>)
foreach(preset v2-lite-tiny v2-tiny v3-tiny)
  set(dir ${MLAVK_MODELS_DIR}/${preset})
  foreach(variant "f32;f32;hf-f32" "f16;f16;hf-f16" "bf16;bf16;hf-bf16" "q8_0;fp8;hf-fp8"
                  "q4_k;f32;hf-f32-sharded")
    list(GET variant 0 type)
    list(GET variant 1 hf_dtype)
    list(GET variant 2 hf_dir)
    set(shards 1)
    if(hf_dir STREQUAL "hf-f32-sharded")
      set(shards 3)
    endif()
    add_test(NAME generator_writes_${preset}_${type}
      COMMAND ${mlavk_gen} --preset ${preset} --type ${type} --hf-dtype ${hf_dtype} --shards ${shards}
              --out-gguf ${dir}/${preset}-${type}.gguf --out-hf ${dir}/${hf_dir})
    set_tests_properties(generator_writes_${preset}_${type} PROPERTIES FIXTURES_SETUP generated_models)
  endforeach()
endforeach()
add_test(NAME generator_writes_v2-lite-tiny_legacy_kv_b
  COMMAND ${mlavk_gen} --preset v2-lite-tiny --legacy-kv-b --out-gguf ${MLAVK_MODELS_DIR}/v2-lite-tiny/v2-lite-tiny-legacy-f32.gguf)
set_tests_properties(generator_writes_v2-lite-tiny_legacy_kv_b PROPERTIES FIXTURES_SETUP generated_models)

mlavk_test(generator_quantizers_round_trip SOURCES test_generator_quant.c ${PROJECT_SOURCE_DIR}/tools/gen_model/gen_quant.c)
mlavk_test(generated_gguf_and_safetensors_agree SOURCES test_generator_models.c test_generator_readers.c ARGS ${MLAVK_MODELS_DIR})
set_tests_properties(generated_gguf_and_safetensors_agree PROPERTIES FIXTURES_REQUIRED generated_models)

mlavk_failure_test(generator_rejects_an_unknown_preset PATTERN "unknown preset 'v9'"
  COMMAND ${mlavk_gen} --preset v9 --out-gguf ${CMAKE_BINARY_DIR}/never.gguf)
mlavk_failure_test(generator_rejects_more_experts_used_than_experts PATTERN "--experts-used must be between"
  COMMAND ${mlavk_gen} --preset v3-tiny --experts-used 99 --out-gguf ${CMAKE_BINARY_DIR}/never.gguf)
mlavk_failure_test(generator_rejects_an_unknown_type PATTERN "unknown type 'q3_k'"
  COMMAND ${mlavk_gen} --preset v3-tiny --type q3_k --out-gguf ${CMAKE_BINARY_DIR}/never.gguf)

# Same flags, same bytes: the fixture's q4_k file is reproduced exactly (threads must not change the output).
add_test(NAME generator_output_is_reproducible
  COMMAND sh -c "\"$1\" --preset v3-tiny --type q4_k --out-gguf \"$2.again\" && cmp \"$2\" \"$2.again\""
          sh ${mlavk_gen} ${MLAVK_MODELS_DIR}/v3-tiny/v3-tiny-q4_k.gguf)
set_tests_properties(generator_output_is_reproducible PROPERTIES FIXTURES_REQUIRED generated_models)
