# mlavk transmla: GQA -> MLA conversion (runtime/convert) and the GGUF writer it writes with.
mlavk_test(transmla_exact_steps_keep_the_gqa_attention SOURCES test_transmla_steps.c ref/ref_gqa.c)
mlavk_test(gguf_writer_round_trips_every_value_type_and_tensors SOURCES test_gguf_out.c model_writer.c)
mlavk_test(transmla_exact_conversion_gives_the_gqa_logits GPU
  SOURCES test_transmla_exact.c ref/ref_gqa.c model_writer.c model_writer_gqa.c)

# Bad input to `mlavk transmla`: one line, a non-zero exit, and neither the output nor its temporary file left.
add_executable(make_transmla_inputs make_transmla_inputs.c model_writer.c model_writer_gqa.c model_writer_hf.c
  test_util.c)
target_include_directories(make_transmla_inputs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(make_transmla_inputs PRIVATE mlavk_base)
add_dependencies(base_tests make_transmla_inputs mlavk_cli)
set(TRANSMLA_IN ${CMAKE_CURRENT_BINARY_DIR}/transmla_inputs)
add_test(NAME make_transmla_inputs_writes_the_inputs COMMAND make_transmla_inputs ${TRANSMLA_IN})
set_tests_properties(make_transmla_inputs_writes_the_inputs PROPERTIES FIXTURES_SETUP transmla_inputs LABELS base)

function(transmla_failure name out pattern)
  add_test(NAME ${name} COMMAND bash -c
    "\"$0\" \"$1\" \"$2\" transmla -o \"$3\" \"\${@:4}\" && test ! -e \"$3\" && test ! -e \"$3.tmp\""
    ${CMAKE_CURRENT_SOURCE_DIR}/expect_failure.sh "${pattern}" $<TARGET_FILE:mlavk_cli> ${out} ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED transmla_inputs LABELS base)
endfunction()

set(TM_OUT ${TRANSMLA_IN}/out.gguf)
transmla_failure(transmla_refuses_a_model_that_is_not_gqa ${TM_OUT}
  "^mlavk: ${TRANSMLA_IN}/deepseek.gguf: .*deepseek2" -m ${TRANSMLA_IN}/deepseek.gguf)
transmla_failure(transmla_refuses_a_rank_above_twice_the_kv_width_less_the_rope_dim ${TM_OUT}
  "^mlavk: transmla: kv rank 89 is larger than 2 x 2 x 24 - rope dim 8 = 88$"
  -m ${TRANSMLA_IN}/llama.gguf --rope-dim 8 --kv-rank 89)
transmla_failure(transmla_refuses_a_rope_dim_that_does_not_divide_the_head ${TM_OUT}
  "^mlavk: transmla: rope dim 10 does not divide the head dimension 24" -m ${TRANSMLA_IN}/llama.gguf --rope-dim 10)
transmla_failure(transmla_refuses_an_odd_rope_dim ${TM_OUT}
  "^mlavk: transmla: rope dim 7 is not a positive even number$" -m ${TRANSMLA_IN}/llama.gguf --rope-dim 7)
transmla_failure(transmla_refuses_a_rope_dim_above_the_key_width ${TM_OUT}
  "^mlavk: transmla: rope dim 96 is larger than the 48 key dimensions" -m ${TRANSMLA_IN}/llama.gguf --rope-dim 96)
transmla_failure(transmla_refuses_a_freqfold_too_small_for_the_rope_dim ${TM_OUT}
  "^mlavk: transmla: freqfold 1 is too small for rope dim 8" -m ${TRANSMLA_IN}/llama.gguf --rope-dim 8 --freqfold 1)
transmla_failure(transmla_refuses_an_output_path_it_cannot_write ${TRANSMLA_IN}/no_such_dir/out.gguf
  "^mlavk: ${TRANSMLA_IN}/no_such_dir/out.gguf: cannot create the output file$"
  -m ${TRANSMLA_IN}/llama.gguf --exact)
transmla_failure(transmla_refuses_a_missing_calibration_file ${TM_OUT}
  "^mlavk: ${TRANSMLA_IN}/no_such_text: cannot open the calibration text$"
  -m ${TRANSMLA_IN}/llama.gguf --exact --calib ${TRANSMLA_IN}/no_such_text)
transmla_failure(transmla_refuses_freqfold_auto_without_calibration_text ${TM_OUT}
  "^mlavk: transmla: --freqfold auto compares perplexities on the calibration text: give --calib$"
  -m ${TRANSMLA_IN}/llama.gguf --rope-dim 8 --kv-rank 40 --freqfold auto)
transmla_failure(transmla_refuses_an_hf_directory_without_tokenizer_json ${TM_OUT}
  "^mlavk: ${TRANSMLA_IN}/llama_hf: no tokenizer.json" -m ${TRANSMLA_IN}/llama_hf --exact)
transmla_failure(transmla_refuses_an_hf_tokenizer_whose_pre_tokenizer_has_no_gguf_name ${TM_OUT}
  "^mlavk: ${TRANSMLA_IN}/llama_hf_other_pre/tokenizer.json: the pre-tokenizer is neither Llama 3's nor Qwen2's"
  -m ${TRANSMLA_IN}/llama_hf_other_pre --exact)
transmla_failure(transmla_refuses_calibration_text_shorter_than_a_window ${TM_OUT}
  "^mlavk: transmla: calibration text of [0-9]+ tokens is shorter than one window of 64 tokens$"
  -m ${TRANSMLA_IN}/llama_bytes.gguf --rope-dim 8 --kv-rank 16 --calib ${TRANSMLA_IN}/calib_short.txt)

# An HF directory converts as its GGUF does: the same tensors, and its tokenizer.json written as the converter would.
add_test(NAME transmla_converts_an_hf_directory_and_its_gguf COMMAND sh -c
  "set -e; \"$0\" transmla -m \"$1\" -o \"$3\" --exact; \"$0\" transmla -m \"$2\" -o \"$4\" --exact"
  $<TARGET_FILE:mlavk_cli> ${TRANSMLA_IN}/llama_hf_tok ${TRANSMLA_IN}/llama.gguf ${TRANSMLA_IN}/from_hf.gguf
  ${TRANSMLA_IN}/from_gguf.gguf)
set_tests_properties(transmla_converts_an_hf_directory_and_its_gguf PROPERTIES FIXTURES_REQUIRED transmla_inputs
  FIXTURES_SETUP transmla_hf_converted LABELS base)
mlavk_test(transmla_of_an_hf_directory_carries_its_tokenizer_and_the_gguf_tensors SOURCES test_transmla_hf.c
  ARGS ${TRANSMLA_IN}/from_hf.gguf ${TRANSMLA_IN}/from_gguf.gguf ${TRANSMLA_IN}/llama_hf_tok)
set_tests_properties(transmla_of_an_hf_directory_carries_its_tokenizer_and_the_gguf_tensors PROPERTIES
  FIXTURES_REQUIRED transmla_hf_converted)
add_test(NAME transmla_calibrates_an_hf_directory_with_its_tokenizer_json COMMAND
  $<TARGET_FILE:mlavk_cli> transmla -m ${TRANSMLA_IN}/llama_hf_tok -o ${TRANSMLA_IN}/calibrated_hf.gguf --rope-dim 8
  --kv-rank 16 --calib ${TRANSMLA_IN}/calib_hf.txt)
set_tests_properties(transmla_calibrates_an_hf_directory_with_its_tokenizer_json PROPERTIES
  FIXTURES_REQUIRED transmla_inputs LABELS base PASS_REGULAR_EXPRESSION "calibration [0-9]+ tokens")

# The command end to end: a calibrated conversion with --freqfold auto that mlavk info then reads.
add_test(NAME transmla_command_converts_with_calibration_text COMMAND bash -c
  "\"$0\" transmla -m \"$1\" -o \"$2\" --rope-dim 8 --kv-rank 16 --freqfold auto --calib \"$3\" && \"$0\" info \"$2\""
  $<TARGET_FILE:mlavk_cli> ${TRANSMLA_IN}/llama_bytes.gguf ${TRANSMLA_IN}/calibrated.gguf ${TRANSMLA_IN}/calib.txt)
set_tests_properties(transmla_command_converts_with_calibration_text PROPERTIES FIXTURES_REQUIRED transmla_inputs
  LABELS base PASS_REGULAR_EXPRESSION "calibration [0-9]+ tokens.*freqfold [0-9]+: partial-RoPE perplexity.*TransMLA")
