# mlavk transmla: GQA -> MLA conversion (runtime/convert).
mlavk_test(transmla_exact_steps_keep_the_gqa_attention SOURCES test_transmla_steps.c ref/ref_gqa.c)
