# Model-level kernels and the forward pass.
mlavk_test(mla_attention_matches_the_softmax_definition GPU SOURCES test_kernel_mla_attention.c)
mlavk_test(moe_routing_matches_the_reference_rules GPU SOURCES test_kernel_moe_route.c)
