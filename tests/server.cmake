# mlavk serve (tools/server) driven by the official openai npm client (tests/server/*.mjs, one server each on
# 127.0.0.1 and a free port, the built-in model, whose chat template is DeepSeek V3's). The fixture installs
# the pinned client (package-lock.json) with `npm ci` when tests/server/node_modules is missing.
mlavk_failure_test(serve_rejects_an_unknown_option PATTERN "^mlavk serve: unknown option: '--bogus'"
  COMMAND $<TARGET_FILE:mlavk_cli> serve --bogus 1)
mlavk_failure_test(serve_rejects_a_port_out_of_range PATTERN "^mlavk serve: --port needs an integer from 0 to 65535"
  COMMAND $<TARGET_FILE:mlavk_cli> serve --port 70000)
mlavk_failure_test(serve_rejects_a_host_name_that_is_not_an_address
  PATTERN "^mlavk serve: --host needs a numeric IPv4 or IPv6 address, not 'localhost'$"
  COMMAND $<TARGET_FILE:mlavk_cli> serve --host localhost --port 0)
mlavk_failure_test(serve_rejects_an_empty_api_key PATTERN "^mlavk serve: the API key .* is empty$"
  ENV "MLAVK_API_KEY=" COMMAND $<TARGET_FILE:mlavk_cli> serve --port 0)
mlavk_failure_test(serve_names_a_model_file_that_does_not_exist PATTERN "^mlavk serve: .*no-such-model.gguf"
  COMMAND $<TARGET_FILE:mlavk_cli> serve -m no-such-model.gguf --port 0)

find_program(NODE_EXECUTABLE node)
find_program(NPM_EXECUTABLE npm)
if(NOT NODE_EXECUTABLE OR NOT NPM_EXECUTABLE)
  message(STATUS "mlavk serve tests: not run (need node and npm: tools/setup.sh installs them)")
  return()
endif()
set(SERVER_TESTS ${CMAKE_CURRENT_SOURCE_DIR}/server)
add_test(NAME server_test_client_is_installed
  COMMAND sh -c "[ -f node_modules/openai/package.json ] || \"$1\" ci --no-audit --no-fund" sh ${NPM_EXECUTABLE}
  WORKING_DIRECTORY ${SERVER_TESTS})
set_tests_properties(server_test_client_is_installed PROPERTIES FIXTURES_SETUP openai_client TIMEOUT 300)

function(server_test name script)
  add_test(NAME ${name} COMMAND ${NODE_EXECUTABLE} ${SERVER_TESTS}/${script})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED openai_client TIMEOUT 90
    ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_BIN=$<TARGET_FILE:mlavk_cli>;MLAVK_MODEL=${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare.gguf;MLAVK_MODELS_DIR=${MLAVK_MODELS_DIR}")
endfunction()

server_test(server_answers_chat_and_completions_streamed_and_not_with_usage_counts chat_and_completions.mjs)
server_test(server_stops_at_stop_strings_and_never_returns_them stop_strings.mjs)
server_test(server_applies_frequency_and_presence_penalties sampling_penalties.mjs)
server_test(server_reads_developer_roles_text_parts_max_completion_tokens_and_prompt_arrays request_forms.mjs)
server_test(server_gives_eight_greedy_requests_at_once_the_texts_each_gets_alone concurrent_greedy.mjs)
server_test(server_loses_no_request_of_four_clients_and_frees_every_page load.mjs)
server_test(server_reuses_the_pages_of_a_repeated_system_prompt_with_the_same_text prefix_reuse.mjs)
server_test(server_answers_bad_requests_with_openai_errors_and_goes_on bad_requests.mjs)
server_test(server_refuses_fields_asking_for_what_it_does_not_do_and_accepts_them_off unsupported_fields.mjs)
server_test(server_queues_then_refuses_and_reports_an_exhausted_cache_with_503 capacity.mjs)
server_test(server_stops_the_sequence_of_a_client_that_disconnects disconnect.mjs)
server_test(server_finishes_or_cancels_running_streams_on_sigterm_and_exits_0 sigterm.mjs)
server_test(server_reports_health_metrics_and_models health_metrics.mjs)
server_test(server_with_an_api_key_refuses_v1_requests_without_it_and_keeps_health_open api_key.mjs)
# A generated HF checkpoint: its tokenizer.json, made a named pipe, holds the load while the test asks.
server_test(server_answers_503_on_health_and_every_v1_endpoint_while_the_model_loads_then_200 loading.mjs)
set_tests_properties(server_answers_503_on_health_and_every_v1_endpoint_while_the_model_loads_then_200 PROPERTIES
  FIXTURES_REQUIRED "openai_client;generated_models")
server_test(server_without_a_chat_template_refuses_chat_and_serves_completions no_chat_template.mjs)
set_tests_properties(server_without_a_chat_template_refuses_chat_and_serves_completions PROPERTIES
  FIXTURES_REQUIRED "openai_client;generated_models")
