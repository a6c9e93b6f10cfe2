# The batch scheduler (runtime/engine/engine_batch.c) and the benchmark of many sequences.
mlavk_test(batch_decodes_many_sequences_as_each_alone_with_stops_cancels_and_pages GPU SOURCES test_batch.c)
add_test(NAME bench_parallel_reports_aggregate_generation_speed
  COMMAND $<TARGET_FILE:mlavk_cli> bench -p 4 -n 8 -r 1 --parallel 3)
set_tests_properties(bench_parallel_reports_aggregate_generation_speed PROPERTIES
  ENVIRONMENT "MLAVK_VALIDATE=1" PASS_REGULAR_EXPRESSION "\\| tg8 x3 @ p4 +\\| +[0-9.]+ ±")
mlavk_test(batch_reuses_the_cached_pages_of_a_shared_prompt_prefix_and_evicts_them_when_short
  GPU SOURCES test_batch_prefix.c)
# The prefix store alone, on a host-built page pool (no device): keys that collide on purpose never give a hit.
mlavk_test(prefix_store_reuses_a_page_only_for_its_exact_prefix_never_on_a_key_match_alone GPU
  SOURCES test_prefix_store.c)
# Steps recorded anew or reused as sequences join and leave: each sequence's greedy tokens are those it gives alone.
mlavk_test(batch_steps_give_each_sequence_its_tokens_alone_as_sequences_join_and_leave_in_any_order GPU
  SOURCES test_batch_rerecord.c)
