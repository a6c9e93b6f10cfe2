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
