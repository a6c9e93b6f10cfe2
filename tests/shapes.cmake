# Every file shape of the MLA family as llama.cpp reads them (NextN/MTP blocks, tied embeddings, every block dense,
# attention temperature, omitted keys it infers), against llama.cpp's logits on the same files
# (tests/golden/shapes/README.md). The files are not kept: the fixture `shape_models` writes each one with the
# generator command of its manifest entry (the test checks the file's sha256), and the HF directory of the same
# weights where the entry says "hf".
set(SHAPES ${CMAKE_CURRENT_SOURCE_DIR}/golden/shapes)
set(SHAPE_MODELS ${CMAKE_BINARY_DIR}/models/shapes)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SHAPES}/manifest.json)
file(READ ${SHAPES}/manifest.json shapes_manifest)
string(JSON shapes_count LENGTH "${shapes_manifest}" models)
math(EXPR shapes_last "${shapes_count} - 1")
set(shape_names "")
foreach(i RANGE ${shapes_last})
  string(JSON name GET "${shapes_manifest}" models ${i} name)
  string(JSON generator GET "${shapes_manifest}" models ${i} generator)
  string(JSON hf GET "${shapes_manifest}" models ${i} hf)
  separate_arguments(generator_args UNIX_COMMAND "${generator}")
  set(outputs --out-gguf ${SHAPE_MODELS}/${name}.gguf)
  if(hf)
    list(APPEND outputs --out-hf ${SHAPE_MODELS}/${name}-hf)
  endif()
  add_test(NAME generator_writes_shape_${name} COMMAND $<TARGET_FILE:mlavk_gen_model> ${generator_args} ${outputs})
  set_tests_properties(generator_writes_shape_${name} PROPERTIES FIXTURES_SETUP shape_models)
  set(shape_${name}_hf ${hf})
  list(APPEND shape_names ${name})
endforeach()

# One program; the test named after each shape, the form of the prompt's attention where it matters.
set(shape_program gguf_with_an_mtp_block_matches_llama_cpp_logits)
mlavk_test(${shape_program} GPU SOURCES test_family_shapes.c llama_golden.c
  ARGS ${SHAPES}/manifest.json ${SHAPE_MODELS}/mtp.gguf mtp)
set_tests_properties(${shape_program} PROPERTIES FIXTURES_REQUIRED shape_models)
function(shape_test name model entry)
  add_test(NAME ${name} COMMAND test_${shape_program} ${SHAPES}/manifest.json ${SHAPE_MODELS}/${model} ${entry} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED shape_models ENVIRONMENT "MLAVK_VALIDATE=1")
endfunction()
shape_test(hf_checkpoint_with_an_mtp_layer_matches_llama_cpp_logits mtp-hf mtp)
shape_test(gguf_with_tied_embeddings_matches_llama_cpp_logits tied.gguf tied)
shape_test(hf_checkpoint_with_tied_embeddings_matches_llama_cpp_logits tied-hf tied)
shape_test(gguf_with_every_block_dense_matches_llama_cpp_logits dense.gguf dense)
shape_test(gguf_without_experts_matches_llama_cpp_logits no-experts.gguf no-experts)
shape_test(hf_checkpoint_without_routed_experts_matches_llama_cpp_logits no-experts-hf no-experts)
shape_test(gguf_with_attention_temperature_matches_llama_cpp_logits temperature.gguf temperature)
shape_test(attention_temperature_with_absorbed_prefill_matches_llama_cpp_logits temperature.gguf temperature absorbed)
shape_test(attention_temperature_with_expanded_prefill_matches_llama_cpp_logits temperature.gguf temperature expanded)
shape_test(gguf_of_27_blocks_without_q_lora_rank_matches_llama_cpp_logits v2-lite-rule.gguf v2-lite-rule)
shape_test(gguf_of_48_blocks_vocab_154880_without_gating_matches_llama_cpp_logits glm-rule.gguf glm-rule)
shape_test(gguf_with_yarn_but_no_log_multiplier_matches_llama_cpp_logits yarn-no-log-multiplier.gguf
  yarn-no-log-multiplier)
shape_test(gguf_without_expert_weight_and_group_keys_matches_llama_cpp_logits omitted-moe-keys.gguf omitted-moe-keys)

# The same shapes against the double-precision reference (tests/test_model_forward.c), prompt and 64 decoded tokens.
# Its random prompt meets a routing near-tie early in the small temperature model, so the temperature runs on a V3
# preset model (floor(p / 3) reaches 25 over its 75 positions).
add_test(NAME generator_writes_shape_temperature_v3 COMMAND $<TARGET_FILE:mlavk_gen_model> --preset v3-tiny
  --temperature-scale 0.5 --temperature-length 3 --out-gguf ${SHAPE_MODELS}/temperature-v3.gguf)
set_tests_properties(generator_writes_shape_temperature_v3 PROPERTIES FIXTURES_SETUP shape_models)
function(shape_forward_test name model cache abs rel)
  add_test(NAME ${name} COMMAND test_forward_matches_reference_v2_lite_f32_gguf ${SHAPE_MODELS}/${model} ${cache}
    ${abs} ${rel} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED shape_models ENVIRONMENT "MLAVK_VALIDATE=1")
endfunction()
shape_forward_test(forward_matches_reference_with_an_mtp_block mtp.gguf f32 1e-5 1e-5)
shape_forward_test(forward_matches_reference_with_tied_embeddings tied.gguf f32 1e-5 1e-5)
shape_forward_test(forward_matches_reference_with_tied_embeddings_hf tied-hf f32 1e-5 1e-5)
shape_forward_test(forward_matches_reference_without_experts_hf no-experts-hf f32 1e-5 1e-5)
shape_forward_test(forward_matches_reference_with_attention_temperature temperature-v3.gguf f32 1e-5 1e-5)
shape_forward_test(forward_matches_reference_with_attention_temperature_absorbed temperature-v3.gguf f32 1e-5 1e-5
  absorbed)
shape_forward_test(forward_matches_reference_with_attention_temperature_expanded temperature-v3.gguf f32 1e-5 1e-5
  expanded)

# An MTP block changes neither the logits nor the device memory: the same weights without it give the same bytes.
add_test(NAME an_mtp_block_changes_neither_logits_nor_device_memory
  COMMAND sh -c "set -e; g=$1; m=$2; d=$3; \"$g\" --preset v3-tiny --dim 64 --layers 2 --out-gguf $d/no-mtp.gguf; \
    \"$m\" logits -m $d/mtp.gguf --tokens 0,5,17,99,250,3 -o mtp.f32; \
    \"$m\" logits -m $d/no-mtp.gguf --tokens 0,5,17,99,250,3 -o no-mtp.f32; cmp mtp.f32 no-mtp.f32; \
    a=$(\"$m\" info $d/mtp.gguf | grep 'device memory for weights'); \
    b=$(\"$m\" info $d/no-mtp.gguf | grep 'device memory for weights'); echo \"$a\"; test \"$a\" = \"$b\""
  sh $<TARGET_FILE:mlavk_gen_model> $<TARGET_FILE:mlavk_cli> ${SHAPE_MODELS})
set_tests_properties(an_mtp_block_changes_neither_logits_nor_device_memory PROPERTIES
  FIXTURES_REQUIRED shape_models ENVIRONMENT "MLAVK_VALIDATE=1")

# mlavk info: the family it recognised and the rules it applied.
function(shape_info_test name model pattern)
  add_test(NAME ${name} COMMAND mlavk_cli info ${SHAPE_MODELS}/${model})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED shape_models PASS_REGULAR_EXPRESSION "${pattern}")
endfunction()
shape_info_test(info_says_the_mtp_block_is_skipped mtp.gguf
  "rules applied:\n  MTP layers: 1 \\(blk.2\\), skipped: not uploaded.*L \\(blocks\\) 2 \\(\\+1 MTP\\).*beside them 24 MTP tensors \\([0-9.]+ MiB\\), skipped")
shape_info_test(info_says_the_hf_mtp_layer_is_skipped mtp-hf "MTP layers: 1 \\(model.layers.2\\), skipped: not read")
shape_info_test(info_says_the_output_reads_token_embd tied.gguf
  "tied embeddings: no output.weight, the output projection reads token_embd")
shape_info_test(info_says_every_block_is_dense no-experts-hf "every block dense \\(no n_routed_experts\\)")
shape_info_test(info_names_mistral_large_3_by_its_temperature_keys temperature.gguf
  "family: Mistral Large 3 \\(attention.temperature_\\* keys\\)\nrules applied:\n  attention temperature: scale 0.5, length 3")
shape_info_test(info_says_q_lora_and_gating_were_inferred_for_v2_lite v2-lite-rule.gguf
  "family: DeepSeek V2-Lite \\(tokenizer.ggml.pre 'deepseek-llm'\\).*q-LoRA: none \\(inferred: no attention.q_lora_rank, 27 blocks, llama.cpp's V2-Lite rule\\)\n  gating: softmax \\(inferred: no expert_gating_func\\)")
shape_info_test(info_names_glm_4_7_flash_by_llama_cpp_shape_rule glm-rule.gguf
  "family: GLM-4.7-Flash \\(48 or 47 blocks with vocab 154880, llama.cpp's rule\\).*gating: sigmoid \\(inferred: no expert_gating_func, 48 blocks with vocab 154880, llama.cpp's GLM-4.7-Flash rule\\)")
shape_info_test(info_says_the_yarn_rule_without_log_multiplier yarn-no-log-multiplier.gguf
  "YaRN without rope.scaling.yarn_log_multiplier: RoPE magnitude and softmax mscale both 0.1 ln\\(factor\\) \\+ 1")
# Families by their pre-tokenizer (info only: mlavk's tokenizer need not know them).
foreach(family "glm4|GLM-4.7-Flash" "tekken|Mistral Large 3" "kimi-k2|Kimi K2/Moonlight" "gigachat|GigaChat3"
               "kanana2|Kanana-2" "youtu|Youtu-LLM" "deepseek-v3|DeepSeek V3" "deepseek-llm|DeepSeek V2-Lite"
               "qwen2|deepseek2 \\(unrecognised family\\)")
  string(REPLACE "|" ";" family "${family}")
  list(GET family 0 pre)
  list(GET family 1 want)
  string(REPLACE "-" "_" id ${pre})
  add_test(NAME info_names_the_family_of_pre_tokenizer_${id}
    COMMAND sh -c "\"$1\" --preset v2-lite-tiny --dim 64 --pre $2 --out-gguf pre-$2.gguf && \"$3\" info pre-$2.gguf"
            sh $<TARGET_FILE:mlavk_gen_model> ${pre} $<TARGET_FILE:mlavk_cli>)
  set_tests_properties(info_names_the_family_of_pre_tokenizer_${id} PROPERTIES PASS_REGULAR_EXPRESSION "family: ${want}")
endforeach()
