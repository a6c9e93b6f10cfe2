# mlavk transmla: GQA -> MLA conversion (runtime/convert).
mlavk_test(transmla_exact_steps_keep_the_gqa_attention SOURCES test_transmla_steps.c ref/ref_gqa.c)
mlavk_test(transmla_exact_conversion_gives_the_gqa_logits GPU
  SOURCES test_transmla_exact.c ref/ref_gqa.c model_writer.c model_writer_gqa.c)
