# Model-level kernels and the forward pass.
mlavk_test(paged_cache_store_gather_and_mla_attention_match_the_definition GPU SOURCES test_kernel_mla_attention.c)
mlavk_test(expanded_attention_matches_the_softmax_definition GPU SOURCES test_kernel_attention_expanded.c)
# The cost rule between the absorbed and expanded prefill forms (needs no device, but links the model layer).
mlavk_test(prefill_attention_form_is_the_one_with_fewer_operations GPU SOURCES test_prefill_attention_choice.c)
mlavk_test(moe_routing_matches_the_reference_rules GPU SOURCES test_kernel_moe_route.c)

# The forward tests use the seeded models of the generator's fixture (tests/generator.cmake).
set(MODELS ${CMAKE_BINARY_DIR}/models)

# With an F32 latent cache the only differences from the double-precision reference are float rounding
# (observed max 2e-6): bound 1e-5 + 1e-5 |want|. With the default F16 cache the reference rounds its cached
# latent and rope key to F16 too; a value computed in float can still round to the neighbouring F16 step
# (observed max 7e-5): bound 3e-4 + 3e-4 |want|.
mlavk_test(forward_matches_reference_v2_lite_f32_gguf GPU
  SOURCES test_model_forward.c ref/ref_model.c ref/ref_load.c ${MLAVK_REF_DEQUANT_SOURCES}
  ARGS ${MODELS}/v2-lite-tiny/v2-lite-tiny-f32.gguf f32 1e-5 1e-5)
set_tests_properties(forward_matches_reference_v2_lite_f32_gguf PROPERTIES FIXTURES_REQUIRED generated_models)
# The other configurations reuse that program. The prompt runs in batches of 4 (4 + 4 + 3 tokens), each in the
# form model_prefill_is_expanded picks; the tests with a form named run that form for every batch.
function(forward_test name model cache abs rel)
  add_test(NAME ${name} COMMAND test_forward_matches_reference_v2_lite_f32_gguf ${MODELS}/${model} ${cache} ${abs} ${rel}
    ${ARGN})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED generated_models ENVIRONMENT "MLAVK_VALIDATE=1")
endfunction()
forward_test(forward_matches_reference_v2_lite_f32_with_f16_cache v2-lite-tiny/v2-lite-tiny-f32.gguf f16 3e-4 3e-4)
forward_test(forward_matches_reference_v3_q4_k_with_f16_cache v3-tiny/v3-tiny-q4_k.gguf f16 3e-4 3e-4)
forward_test(forward_matches_reference_v2_lite_f32_hf v2-lite-tiny/hf-f32 f32 1e-5 1e-5)
forward_test(forward_matches_reference_v2_lite_legacy_kv_b v2-lite-tiny/v2-lite-tiny-legacy-f32.gguf f32 1e-5 1e-5)
forward_test(forward_matches_reference_v2_q_lora_groups_q8_0 v2-tiny/v2-tiny-q8_0.gguf f32 1e-5 1e-5)
forward_test(forward_matches_reference_v2_fp8_hf v2-tiny/hf-fp8 f32 1e-5 1e-5)
forward_test(forward_matches_reference_v3_sigmoid_bias_q4_k v3-tiny/v3-tiny-q4_k.gguf f32 1e-5 1e-5)
forward_test(forward_matches_reference_v3_f16 v3-tiny/v3-tiny-f16.gguf f32 1e-5 1e-5)
forward_test(forward_matches_reference_v3_bf16_hf v3-tiny/hf-bf16 f32 1e-5 1e-5)
forward_test(forward_matches_reference_v3_sharded_hf v3-tiny/hf-f32-sharded f32 1e-5 1e-5)
# Each prefill attention form on its own, for every batch of the prompt.
forward_test(forward_matches_reference_with_absorbed_prefill_v2_lite v2-lite-tiny/v2-lite-tiny-f32.gguf f32 1e-5 1e-5
  absorbed)
forward_test(forward_matches_reference_with_expanded_prefill_v2_lite v2-lite-tiny/v2-lite-tiny-f32.gguf f32 1e-5 1e-5
  expanded)
forward_test(forward_matches_reference_with_expanded_prefill_legacy_kv_b v2-lite-tiny/v2-lite-tiny-legacy-f32.gguf f32
  1e-5 1e-5 expanded)
forward_test(forward_matches_reference_with_expanded_prefill_v2_q8_0 v2-tiny/v2-tiny-q8_0.gguf f32 1e-5 1e-5 expanded)
forward_test(forward_matches_reference_with_expanded_prefill_v3_q4_k_f16_cache v3-tiny/v3-tiny-q4_k.gguf f16 3e-4 3e-4
  expanded)
forward_test(forward_matches_reference_with_absorbed_prefill_v3_q4_k_f16_cache v3-tiny/v3-tiny-q4_k.gguf f16 3e-4 3e-4
  absorbed)
forward_test(forward_matches_reference_with_expanded_prefill_v3_bf16_hf v3-tiny/hf-bf16 f32 1e-5 1e-5 expanded)

# The built-in model (models/) against the PyTorch logits of tools/train_tiny/golden.py.
mlavk_test(default_model_logits_match_pytorch GPU SOURCES test_default_model_golden.c
  ARGS ${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare.gguf ${CMAKE_CURRENT_SOURCE_DIR}/golden/tiny_logits.json
       ${CMAKE_CURRENT_SOURCE_DIR}/golden/tiny_logits.bin)

# The GGUF and Hugging Face forms of the same F32 weights give bit-identical logits, batched and one by one.
foreach(mode batch one_by_one)
  set(flag "")
  if(mode STREQUAL "one_by_one")
    set(flag --one-by-one)
  endif()
  add_test(NAME gguf_and_hf_forms_give_identical_logits_${mode}
    COMMAND sh -c "set -e; d=${MODELS}/v2-lite-tiny; t=0,5,17,99,250,3,42; \
      $<TARGET_FILE:mlavk_cli> logits -m $d/v2-lite-tiny-f32.gguf --tokens $t ${flag} -o gguf-${mode}.f32; \
      $<TARGET_FILE:mlavk_cli> logits -m $d/hf-f32 --tokens $t ${flag} -o hf-${mode}.f32; \
      test -s gguf-${mode}.f32 && cmp gguf-${mode}.f32 hf-${mode}.f32")
  set_tests_properties(gguf_and_hf_forms_give_identical_logits_${mode} PROPERTIES
    FIXTURES_REQUIRED generated_models ENVIRONMENT "MLAVK_VALIDATE=1")
endforeach()

# Refusals of the run command: one line naming the problem, a non-zero exit.
mlavk_failure_test(run_refuses_a_model_larger_than_device_memory
  PATTERN "^mlavk: .*mlavk-tiny-shakespeare.gguf: the weights need 6.[0-9] MiB of device memory but .* has 4.0 MiB available"
  ENV MLAVK_MEMORY_BUDGET=4MiB
  COMMAND $<TARGET_FILE:mlavk_cli> run -p hi -n 2)
mlavk_failure_test(run_refuses_a_prompt_longer_than_the_context
  PATTERN "^mlavk: 21 tokens do not fit in the context: 0 of 8 positions are already used"
  COMMAND $<TARGET_FILE:mlavk_cli> run -c 8 -n 2 -p "ROMEO: But soft, what light through yonder window breaks")
mlavk_failure_test(run_refuses_a_truncated_model
  PATTERN "^mlavk: .*truncated-model.gguf: "
  COMMAND sh -c "head -c 3000000 ${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare.gguf > truncated-model.gguf && \
                 exec $<TARGET_FILE:mlavk_cli> run -m truncated-model.gguf -p hi -n 2")
mlavk_failure_test(run_refuses_an_unknown_prefill_attention_form
  PATTERN "^mlavk: --prefill-attention needs auto, absorbed or expanded, not 'sideways'"
  COMMAND $<TARGET_FILE:mlavk_cli> run -p hi -n 2 --prefill-attention sideways)
mlavk_failure_test(logits_refuses_a_token_outside_the_vocabulary
  PATTERN "^mlavk: token id 99999 is outside the vocabulary of 1536"
  COMMAND $<TARGET_FILE:mlavk_cli> logits --tokens 1,99999)

# The built-in model writes readable text: speaker names with colons, real words, line structure.
add_test(NAME run_writes_shakespeare_like_text_with_the_built_in_model
  COMMAND $<TARGET_FILE:mlavk_cli> run -p "ROMEO:" -n 120 --seed 1)
set_tests_properties(run_writes_shakespeare_like_text_with_the_built_in_model PROPERTIES
  ENVIRONMENT "MLAVK_VALIDATE=1"
  PASS_REGULAR_EXPRESSION "\n[A-Z][A-Za-z ]+:\n.* (the|and|I|my|you) .*\n")

# Weights and step data through staging buffers, as on a discrete GPU whose memory the host cannot map.
add_test(NAME forward_matches_reference_with_weights_uploaded_through_staging
  COMMAND test_forward_matches_reference_v2_lite_f32_gguf ${MODELS}/v2-tiny/v2-tiny-q8_0.gguf f32 1e-5 1e-5)
set_tests_properties(forward_matches_reference_with_weights_uploaded_through_staging PROPERTIES
  FIXTURES_REQUIRED generated_models ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_FORCE_STAGING=1")

# The validation split's perplexity (all 41,817 tokens) equals PyTorch's within 1%. The longest test: it is
# started first so the others run beside it.
add_test(NAME perplexity_of_the_validation_text_matches_pytorch
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_perplexity.sh $<TARGET_FILE:mlavk_cli>
          ${CMAKE_CURRENT_SOURCE_DIR}/data/tinyshakespeare_validation.txt
          ${CMAKE_CURRENT_SOURCE_DIR}/golden/tiny_perplexity.json)
set_tests_properties(perplexity_of_the_validation_text_matches_pytorch PROPERTIES COST 1000 TIMEOUT 1200)

# The forward pass with the batched kernel GPUs take (lavapipe takes the tiled one by default).
add_test(NAME forward_matches_reference_with_the_cooperative_batched_kernel
  COMMAND test_forward_matches_reference_v2_lite_f32_gguf ${MODELS}/v2-tiny/v2-tiny-q8_0.gguf f32 1e-5 1e-5 expanded)
set_tests_properties(forward_matches_reference_with_the_cooperative_batched_kernel PROPERTIES
  FIXTURES_REQUIRED generated_models ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_BATCHED_MATMUL=cooperative")

# Several sequences over one paged cache, decoded together and in a mixed batch with a prompt chunk, give the
# logits each gives alone (the built-in model: MoE layers, so the batch's expert products run grouped).
mlavk_test(sequences_decoded_together_give_the_logits_of_each_decoded_alone GPU SOURCES test_model_multi_sequence.c
  ARGS ${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare.gguf)
add_test(NAME sequences_decoded_together_give_the_logits_of_each_decoded_alone_with_shared_memory_reductions
  COMMAND test_sequences_decoded_together_give_the_logits_of_each_decoded_alone
          ${PROJECT_SOURCE_DIR}/models/mlavk-tiny-shakespeare.gguf)
set_tests_properties(sequences_decoded_together_give_the_logits_of_each_decoded_alone_with_shared_memory_reductions
  PROPERTIES ENVIRONMENT "MLAVK_VALIDATE=1;MLAVK_REDUCTION=shared")
