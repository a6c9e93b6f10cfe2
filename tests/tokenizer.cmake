# Tokenizer (runtime/tokenizer): exact ids against the reference tokenizer, decoding, loaders, chat templates, CLI.
# The DeepSeek-V3 tokenizer.json is kept gzip-compressed in tests/data and unpacked into the build directory.
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(TOKENIZER_DATA ${CMAKE_CURRENT_BINARY_DIR}/tokenizer_data)
set(TOKENIZER_JSON ${TOKENIZER_DATA}/tokenizer.json)
set(TOKENIZER_GOLDEN ${CMAKE_CURRENT_SOURCE_DIR}/data/tokenizer_golden.json)
add_custom_command(OUTPUT ${TOKENIZER_JSON} ${TOKENIZER_DATA}/tokenizer_config.json
  COMMAND ${CMAKE_COMMAND} -E make_directory ${TOKENIZER_DATA}
  COMMAND ${GZIP_EXECUTABLE} -dc ${CMAKE_CURRENT_SOURCE_DIR}/data/deepseek-v3-tokenizer.json.gz > ${TOKENIZER_JSON}
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_CURRENT_SOURCE_DIR}/data/deepseek-v3-tokenizer_config.json
          ${TOKENIZER_DATA}/tokenizer_config.json
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/data/deepseek-v3-tokenizer.json.gz
          ${CMAKE_CURRENT_SOURCE_DIR}/data/deepseek-v3-tokenizer_config.json
  COMMENT "Unpacking the DeepSeek-V3 tokenizer.json for the tests")
add_custom_target(tokenizer_test_data ALL DEPENDS ${TOKENIZER_JSON})

mlavk_test(tokenizer_matches_the_reference_ids_on_the_golden_corpus SOURCES test_tokenizer_golden.c test_tokenizer_common.c
  ARGS ${TOKENIZER_JSON} ${TOKENIZER_GOLDEN})
mlavk_test(chat_templates_render_the_reference_text_and_ids SOURCES test_tokenizer_chat.c test_tokenizer_common.c
  ARGS ${TOKENIZER_JSON} ${TOKENIZER_GOLDEN})
mlavk_test(decoding_restores_the_text_and_streams_whole_characters
  SOURCES test_tokenizer_decode.c test_tokenizer_common.c ARGS ${TOKENIZER_JSON} ${TOKENIZER_GOLDEN})
mlavk_test(utf8_repair_replaces_each_maximal_invalid_subsequence SOURCES test_tokenizer_utf8.c)
mlavk_test(bpe_merges_by_rank_and_matches_added_tokens_first SOURCES test_tokenizer_bpe.c)
mlavk_test(gguf_vocabulary_arrays_tokenize_like_tokenizer_json SOURCES test_tokenizer_gguf.c test_tokenizer_common.c
  ARGS ${TOKENIZER_JSON} ${TOKENIZER_GOLDEN})
mlavk_test(malformed_tokenizer_json_is_an_error_not_a_crash SOURCES test_tokenizer_json_errors.c)
# GGUF pre-tokenizer families against llama.cpp's ids (tests/golden/README.md); the GGUF files go to the build dir.
set(TOKENIZER_FAMILIES_DIR ${CMAKE_CURRENT_BINARY_DIR}/tokenizer_families)
mlavk_test(gguf_pre_tokenizers_match_llama_cpp_for_every_family
  SOURCES test_tokenizer_families.c test_tokenizer_common.c model_writer.c model_writer_hf.c
  ARGS ${TOKENIZER_JSON} ${CMAKE_CURRENT_SOURCE_DIR}/golden/tokenizer_families.json ${TOKENIZER_FAMILIES_DIR})
mlavk_test(gguf_unknown_pre_tokenizer_is_a_one_line_error
  SOURCES test_tokenizer_families.c test_tokenizer_common.c model_writer.c model_writer_hf.c
  ARGS --unknown ${TOKENIZER_FAMILIES_DIR}/unknown)

# CLI
add_test(NAME cli_tokenize_prints_the_ids_with_bos
  COMMAND mlavk_cli tokenize --tokenizer ${TOKENIZER_JSON} -p "Hi!")
set_tests_properties(cli_tokenize_prints_the_ids_with_bos PROPERTIES PASS_REGULAR_EXPRESSION "^0,23166,3\n$")
add_test(NAME cli_tokenize_prints_pieces_one_per_line
  COMMAND mlavk_cli tokenize --tokenizer ${TOKENIZER_JSON} --no-bos --pieces -p "Hello world\n")
set_tests_properties(cli_tokenize_prints_pieces_one_per_line PROPERTIES
  PASS_REGULAR_EXPRESSION "^19923\tHello\n2058\t world\n")
add_test(NAME cli_detokenize_prints_the_text
  COMMAND mlavk_cli detokenize --tokenizer ${TOKENIZER_JSON} -p 0,19923,2058,3)
set_tests_properties(cli_detokenize_prints_the_text PROPERTIES
  PASS_REGULAR_EXPRESSION "^<｜begin▁of▁sentence｜>Hello world!\n$")
mlavk_failure_test(cli_tokenize_reports_a_missing_tokenizer_file
  PATTERN "^mlavk: /nonexistent/tokenizer.json: cannot open"
  COMMAND $<TARGET_FILE:mlavk_cli> tokenize --tokenizer /nonexistent/tokenizer.json -p hi)
mlavk_failure_test(cli_tokenize_reports_invalid_json
  PATTERN "^mlavk: .*tokenizer_invalid.json: not valid JSON"
  COMMAND $<TARGET_FILE:mlavk_cli> tokenize --tokenizer ${CMAKE_CURRENT_SOURCE_DIR}/data/tokenizer_invalid.json -p hi)
mlavk_failure_test(cli_tokenize_reports_a_tokenizer_json_without_a_model_section
  PATTERN "^mlavk: .*tokenizer_no_model.json: no \"model\" section"
  COMMAND $<TARGET_FILE:mlavk_cli> tokenize --tokenizer ${CMAKE_CURRENT_SOURCE_DIR}/data/tokenizer_no_model.json -p hi)
mlavk_failure_test(cli_tokenize_reports_a_missing_model_file
  PATTERN "^mlavk: /nonexistent/model.gguf: "
  COMMAND $<TARGET_FILE:mlavk_cli> tokenize -m /nonexistent/model.gguf -p hi)
mlavk_failure_test(cli_detokenize_reports_an_id_outside_the_vocabulary
  PATTERN "^mlavk: .*tokenizer.json: token id 999999 is outside the vocabulary"
  COMMAND $<TARGET_FILE:mlavk_cli> detokenize --tokenizer ${TOKENIZER_JSON} -p 5,999999)

# Llama 3 (llama-bpe) and Qwen2 tokenizers, for the GQA models `mlavk transmla` reads: llama.cpp's own test strings
# and ids (tests/data/gqa_tokenizers/README.md), through GGUF metadata and through tokenizer.json.
set(GQA_TOKENIZERS ${CMAKE_CURRENT_SOURCE_DIR}/data/gqa_tokenizers)
foreach(name llama3 qwen3)
  add_custom_command(OUTPUT ${TOKENIZER_DATA}/${name}-tokenizer.json
    COMMAND ${CMAKE_COMMAND} -E make_directory ${TOKENIZER_DATA}
    COMMAND ${GZIP_EXECUTABLE} -dc ${GQA_TOKENIZERS}/${name}-tokenizer.json.gz > ${TOKENIZER_DATA}/${name}-tokenizer.json
    DEPENDS ${GQA_TOKENIZERS}/${name}-tokenizer.json.gz
    COMMENT "Unpacking the ${name} tokenizer.json for the tests")
endforeach()
add_custom_target(gqa_tokenizer_test_data ALL
  DEPENDS ${TOKENIZER_DATA}/llama3-tokenizer.json ${TOKENIZER_DATA}/qwen3-tokenizer.json)
add_dependencies(base_tests gqa_tokenizer_test_data)
mlavk_test(llama3_and_qwen2_tokenizers_match_llama_cpp_id_for_id
  SOURCES test_tokenizer_llama_qwen.c test_tokenizer_common.c model_writer.c
  ARGS ${TOKENIZER_DATA}/llama3-tokenizer.json ${GQA_TOKENIZERS}/ggml-vocab-llama-bpe.gguf.inp
       ${GQA_TOKENIZERS}/ggml-vocab-llama-bpe.gguf.out
       ${TOKENIZER_DATA}/qwen3-tokenizer.json ${GQA_TOKENIZERS}/ggml-vocab-qwen2.gguf.inp
       ${GQA_TOKENIZERS}/ggml-vocab-qwen2.gguf.out ${CMAKE_CURRENT_BINARY_DIR}/gqa_tokenizers)
