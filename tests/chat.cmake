# Chat templates (runtime/tokenizer/tok_chat*.c): each family recognised from the model's own template and
# rendered as Jinja2 renders it (tests/golden/chat_templates.json, written by tools/chat_golden/render.py from
# the templates in tests/data/chat_templates); `mlavk chat` refuses, in one line, a template it does not render.
mlavk_test(chat_templates_are_recognised_and_render_byte_for_byte_as_jinja2_does SOURCES test_chat_templates.c
  ARGS ${CMAKE_CURRENT_SOURCE_DIR}/data/chat_templates ${CMAKE_CURRENT_SOURCE_DIR}/golden/chat_templates.json)
mlavk_test(chat_templates_are_read_from_gguf_tokenizer_config_and_chat_template_jinja
  SOURCES test_chat_template_files.c)

# The generated models have no chat template; a copy of one with Qwen3's (ChatML) has one mlavk does not render.
set(CHAT_CHATML_MODEL ${MLAVK_MODELS_DIR}/v3-tiny/hf-chatml)
add_test(NAME chat_fixture_writes_a_model_with_an_unrecognised_template
  COMMAND sh -c "rm -rf \"$2\" && cp -r \"$1\" \"$2\" && cp \"$3\" \"$2/chat_template.jinja\""
          sh ${MLAVK_MODELS_DIR}/v3-tiny/hf-f32 ${CHAT_CHATML_MODEL}
          ${CMAKE_CURRENT_SOURCE_DIR}/data/chat_templates/Qwen-Qwen3-0.6B.jinja)
set_tests_properties(chat_fixture_writes_a_model_with_an_unrecognised_template PROPERTIES
  FIXTURES_SETUP chatml_model FIXTURES_REQUIRED generated_models)
mlavk_failure_test(cli_chat_with_an_unrecognised_template_says_so_and_points_to_run
  PATTERN "^mlavk: .*hf-chatml/chat_template.jinja: chat template not recognised .*; `mlavk run` takes a prompt"
  COMMAND $<TARGET_FILE:mlavk_cli> chat -m ${CHAT_CHATML_MODEL})
set_tests_properties(cli_chat_with_an_unrecognised_template_says_so_and_points_to_run PROPERTIES
  FIXTURES_REQUIRED chatml_model)
mlavk_failure_test(cli_chat_without_a_chat_template_says_so_and_points_to_run
  PATTERN "^mlavk: .*v3-tiny-f32.gguf: the model has no chat template; `mlavk run` takes a prompt"
  COMMAND $<TARGET_FILE:mlavk_cli> chat -m ${MLAVK_MODELS_DIR}/v3-tiny/v3-tiny-f32.gguf)
set_tests_properties(cli_chat_without_a_chat_template_says_so_and_points_to_run PROPERTIES
  FIXTURES_REQUIRED generated_models)

# The built-in model's template is V3's; the chat renders it and keeps the conversation in the cache.
add_test(NAME cli_chat_uses_the_built_in_models_deepseek_v3_template
  COMMAND sh -c "printf 'ROMEO:\\nJULIET:\\n' | \"$1\" chat -n 8 --temp 0" sh $<TARGET_FILE:mlavk_cli>)
set_tests_properties(cli_chat_uses_the_built_in_models_deepseek_v3_template PROPERTIES
  ENVIRONMENT "MLAVK_VALIDATE=1" PASS_REGULAR_EXPRESSION "deepseek-v3 chat template.*KV cache.*KV cache")
