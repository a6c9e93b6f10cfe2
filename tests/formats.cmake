# Model files (runtime/formats): GGUF, safetensors, HF checkpoints, config and manifest, `mlavk info`.
set(MODEL_WRITER model_writer.c model_writer_hf.c)

mlavk_test(gguf_reads_every_metadata_type_and_tensor SOURCES test_gguf_metadata.c ${MODEL_WRITER})
mlavk_test(gguf_rejects_corrupt_files_with_one_line_messages SOURCES test_gguf_rejects.c ${MODEL_WRITER})
mlavk_test(safetensors_reads_and_rejects_headers SOURCES test_safetensors_parse.c ${MODEL_WRITER})
mlavk_test(deepseek_config_reads_gguf_and_config_json SOURCES test_hf_config.c ${MODEL_WRITER})
mlavk_test(hf_checkpoint_maps_stacks_and_dequantizes SOURCES test_hf_checkpoint.c ${MODEL_WRITER})
mlavk_test(host_decoders_match_the_reference_for_every_weight_type SOURCES test_host_dequant.c ${MLAVK_REF_DEQUANT_SOURCES})
mlavk_test(hf_loader_rejects_broken_checkpoints SOURCES test_hf_rejects.c ${MODEL_WRITER})
mlavk_test(model_info_counts_parameters_and_memory SOURCES test_gguf_model_info.c ${MODEL_WRITER} LIBS mlavk)
mlavk_test(model_info_matches_the_reference_for_v2_lite_shapes SOURCES test_gguf_model_info_reference.c ${MODEL_WRITER} LIBS mlavk)

# Bad inputs are written at test time by make_bad_models into the build directory.
add_executable(make_bad_models make_bad_models.c ${MODEL_WRITER} model_writer_gqa.c test_util.c)
target_include_directories(make_bad_models PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(make_bad_models PRIVATE mlavk_base)
add_dependencies(base_tests make_bad_models mlavk_cli)
set(BAD ${CMAKE_CURRENT_BINARY_DIR}/bad_models)
add_test(NAME make_bad_models_writes_the_bad_inputs COMMAND make_bad_models ${BAD})
set_tests_properties(make_bad_models_writes_the_bad_inputs PROPERTIES FIXTURES_SETUP bad_models LABELS base)

function(mlavk_info_failure name file pattern)
  mlavk_failure_test(${name} PATTERN "^mlavk: ${BAD}/${file}${pattern}"
    COMMAND $<TARGET_FILE:mlavk_cli> info ${BAD}/${file})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED bad_models LABELS base)
endfunction()

mlavk_info_failure(info_refuses_a_wrong_magic wrong_magic.gguf ": not a GGUF file \\(wrong magic")
mlavk_info_failure(info_refuses_gguf_version_1 version1.gguf ": unsupported GGUF version 1$")
mlavk_info_failure(info_refuses_a_truncated_header truncated_header.gguf ": truncated file: tensor")
mlavk_info_failure(info_refuses_truncated_tensor_data truncated_data.gguf ": tensor 'b' data .* runs past the end")
mlavk_info_failure(info_refuses_a_tensor_offset_past_the_end offset_past_end.gguf ": tensor 'b' offset 1048576 is past the end")
mlavk_info_failure(info_refuses_a_misaligned_tensor misaligned.gguf ": tensor 'b' offset 8 is not a multiple of the alignment 32")
mlavk_info_failure(info_refuses_overlapping_tensors overlap.gguf ": tensors '(a|b)' and '(a|b)' overlap")
mlavk_info_failure(info_refuses_dims_whose_product_overflows dims_overflow.gguf ": tensor 'b' dimensions overflow")
mlavk_info_failure(info_refuses_a_string_longer_than_the_file string_too_long.gguf ": string value at offset [0-9]+ has length 1099511627776, larger than the rest")
mlavk_info_failure(info_refuses_an_unknown_metadata_type unknown_value_type.gguf ": key 'general.name' has unknown metadata value type 99")
mlavk_info_failure(info_refuses_an_unknown_tensor_type unknown_tensor_type.gguf ": tensor 'b' has unknown type id 4")
mlavk_info_failure(info_refuses_an_empty_file empty.gguf ": empty file")
mlavk_info_failure(info_refuses_a_missing_required_key missing_key.gguf ": missing required key 'deepseek2.embedding_length'")
mlavk_info_failure(info_refuses_a_missing_tensor missing_tensor.gguf ": missing tensor 'blk.1.attn_kv_a_mqa.weight' \\(expected shape \\{136, 40\\}\\)")
mlavk_info_failure(info_refuses_a_shape_disagreeing_with_the_metadata wrong_shape.gguf ": tensor 'blk.1.ffn_up_exps.weight' has shape \\{137, 24, 4\\}, the hyperparameters give \\{136, 24, 4\\}")
mlavk_info_failure(info_refuses_a_type_the_gpu_cannot_run not_runnable.gguf ": tensor 'blk.0.attn_kv_b.weight' has type q8_1, which mlavk cannot run")
mlavk_info_failure(info_refuses_rows_that_split_a_quant_block row_splits_block.gguf ": tensor 'blk.0.attn_output.weight' rows of 24 elements are not a multiple of the q5_0 block size 32")
# What mlavk does not understand in the MLA family's files is refused, never guessed at.
mlavk_info_failure(info_refuses_a_key_it_does_not_understand unknown_key.gguf
  ": key 'deepseek2.attention.sliding_window' is not one mlavk understands \\(it may change the model's math\\)$")
mlavk_info_failure(info_refuses_a_tensor_it_does_not_know unknown_tensor.gguf
  ": tensor 'blk.0.attn_output.scale' is not part of a deepseek2 model with these hyperparameters \\(2 blocks, 0 MTP blocks\\); mlavk does not know what it is$")
mlavk_info_failure(info_refuses_a_missing_q_lora_rank_outside_llama_cpp_v2_lite_rule no_q_lora_rank.gguf
  ": missing key 'deepseek2.attention.q_lora_rank': llama.cpp infers 'no q-LoRA' only for 26 or 27 blocks, or 48 blocks with vocab 128256 \\(this file: 2 blocks, vocab 40\\)$")
mlavk_info_failure(info_refuses_a_q_lora_rank_that_llama_cpp_ignores_for_27_blocks q_lora_in_v2_lite.gguf
  ": attention.q_lora_rank 40 in a 27-block file: llama.cpp ignores the key there \\(its V2-Lite rule\\) and loads attn_q$")
mlavk_info_failure(info_refuses_a_temperature_scale_without_a_length temperature_without_length.gguf
  ": attention.temperature_scale 0.1 needs a positive attention.temperature_length")
mlavk_info_failure(info_refuses_mtp_blocks_that_leave_no_main_model all_blocks_mtp.gguf
  ": nextn_predict_layers 2 leaves none of the 2 blocks for the main model$")
mlavk_info_failure(info_refuses_an_mtp_only_file mtp_only.gguf ": an MTP-only file \\(no blk.0.attn_norm.weight\\)")
mlavk_info_failure(info_refuses_a_misshapen_tensor_in_an_mtp_block misshapen_mtp.gguf
  ": tensor 'blk.1.ffn_up_exps.weight' has shape \\{137, 24, 4\\}, the hyperparameters give \\{136, 24, 4\\}")
mlavk_info_failure(info_refuses_moe_blocks_without_experts moe_without_experts.gguf
  ": expert count 0 but block 1 is a MoE block \\(leading dense blocks 1 of 2\\)$")
mlavk_info_failure(info_refuses_an_unimplemented_rope_attn_factor rope_attn_factor.gguf
  ": rope.scaling.attn_factor 2 \\(not 1\\) is not implemented$")
mlavk_info_failure(info_refuses_an_unknown_gating_function gating_sqrt_softplus.gguf
  ": unknown expert_gating_func 4 \\(1 softmax, 2 sigmoid\\)$")
mlavk_info_failure(info_refuses_an_unknown_tensor_in_a_checkpoint hf_unknown_tensor
  "/model.safetensors: tensor 'model.layers.0.self_attn.q_norm.weight' is not one mlavk knows in a DeepSeek checkpoint with 2 blocks and 0 MTP blocks$")
mlavk_info_failure(info_refuses_a_checkpoint_block_past_the_mtp_blocks hf_block_past_the_mtp_blocks
  "/model.safetensors: tensor 'model.layers.5.input_layernorm.weight' is not one mlavk knows")
mlavk_info_failure(info_refuses_moe_every_other_block hf_moe_every_other_block
  "/config.json: moe_layer_freq 2 \\(MoE every 2 blocks\\) is not implemented$")
mlavk_info_failure(info_refuses_attention_biases hf_attention_bias "/config.json: attention_bias true is not implemented$")
add_test(NAME info_accepts_an_mtp_block_without_its_nextn_tensors COMMAND mlavk_cli info ${BAD}/trunk_only_mtp.gguf)
set_tests_properties(info_accepts_an_mtp_block_without_its_nextn_tensors PROPERTIES FIXTURES_REQUIRED bad_models
  LABELS base PASS_REGULAR_EXPRESSION "MTP layers: 1 \\(blk.1\\), skipped.*L \\(blocks\\) 1 \\(\\+1 MTP\\)")

mlavk_info_failure(info_refuses_invalid_config_json hf_bad_config "/config.json: invalid JSON near byte")
mlavk_info_failure(info_refuses_an_unsupported_architecture hf_llama "/config.json: unsupported architecture 'LlamaForCausalLM'")
mlavk_info_failure(info_refuses_a_directory_without_config_json hf_no_config ": no config.json")
mlavk_info_failure(info_refuses_invalid_json_in_a_safetensors_header hf_bad_header "/model.safetensors: invalid JSON in the header")
mlavk_info_failure(info_refuses_a_safetensors_header_longer_than_the_file hf_header_too_long "/model.safetensors: header length 65535 is larger than the file")

foreach(model tiny.gguf tiny_split_v3.gguf hf_ok hf_v3_fp8)
  add_test(NAME info_describes_${model} COMMAND mlavk_cli info ${BAD}/${model} -c 1000)
  set_tests_properties(info_describes_${model} PROPERTIES FIXTURES_REQUIRED bad_models LABELS base
    PASS_REGULAR_EXPRESSION "latent KV cache \\(f16\\): 160 bytes per token.*160000 bytes")
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz.cmake)

# GQA models (runtime/formats/gqa_model*.c), read for `mlavk transmla`.
set(GQA_WRITER model_writer.c model_writer_gqa.c)
mlavk_test(gqa_reader_reads_llama_and_qwen2_ggufs_and_hf_directories_to_the_written_values
  SOURCES test_gqa_model_read.c ${GQA_WRITER})
mlavk_test(gqa_reader_refuses_bad_models_with_one_line_errors
  SOURCES test_gqa_model_rejects.c ${GQA_WRITER} model_writer_hf.c)
