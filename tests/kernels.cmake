# Kernel library (runtime/ops): each op against a double-precision CPU reference, in both reduction modes.
set(KT ${CMAKE_CURRENT_SOURCE_DIR}/test_kernel_util.c)
mlavk_test(matvec_and_matmul_match_the_reference_for_every_weight_type GPU
  SOURCES test_kernel_matvec.c ${MLAVK_REF_DEQUANT_SOURCES} ${KT})
# lavapipe takes the tiled batched kernel; GPUs take the cooperative one, tested here too.
add_test(NAME batched_matmul_with_the_cooperative_kernel_matches_the_reference
  COMMAND test_matvec_and_matmul_match_the_reference_for_every_weight_type)
set_tests_properties(batched_matmul_with_the_cooperative_kernel_matches_the_reference PROPERTIES
  ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_BATCHED_MATMUL=cooperative")
mlavk_test(moe_matvec_reads_each_slots_expert_by_id_or_each_experts_grouped_slots_at_once GPU
  SOURCES test_kernel_moe.c ${MLAVK_REF_DEQUANT_SOURCES} ${KT})
mlavk_test(moe_slots_grouped_by_expert_on_the_device_run_the_tiled_kernel GPU
  SOURCES test_kernel_moe_group.c ${MLAVK_REF_DEQUANT_SOURCES} ${KT})
mlavk_test(rmsnorm_and_softmax_match_the_reference_per_row GPU SOURCES test_kernel_norm.c ${KT})
mlavk_test(rope_rotates_pairs_with_plain_and_yarn_frequencies GPU SOURCES test_kernel_rope.c ${KT})
mlavk_test(attention_temperature_scales_each_query_by_its_position GPU SOURCES test_kernel_attn_temperature.c ${KT})
mlavk_test(elementwise_ops_match_the_reference GPU SOURCES test_kernel_elementwise.c ${KT})
mlavk_test(get_rows_decodes_embedding_rows_of_every_weight_type GPU
  SOURCES test_kernel_get_rows.c ${MLAVK_REF_DEQUANT_SOURCES} ${KT})
mlavk_test(argmax_and_topk_pick_the_largest_with_ties_to_the_lower_index GPU
  SOURCES test_kernel_argmax_topk.c ${KT})
mlavk_test(ops_refuse_what_their_kernels_cannot_do GPU SOURCES test_kernel_errors.c ${KT})
# op_table's bindings, write masks (which place the barriers) and push sizes against each module's SPIR-V; no GPU.
mlavk_test(op_table_write_masks_match_each_shaders_declarations SOURCES test_op_table_matches_shaders.c LIBS mlavk)
target_include_directories(test_op_table_write_masks_match_each_shaders_declarations
  PRIVATE ${PROJECT_SOURCE_DIR}/shaders/include)
