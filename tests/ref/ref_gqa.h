/* A plain double-precision GQA decoder (Llama / Qwen2) written from the math, sharing no code with
 * runtime/convert: the reference the TransMLA tests compare against. Weights as in runtime/formats/gqa_model.h
 * (HF row order, rotate-half RoPE pairs (i, i + d/2), theta_i = base^(-2i/d) / factor_i). */
#ifndef MLAVK_TEST_REF_GQA_H
#define MLAVK_TEST_REF_GQA_H

#include <stdint.h>

#include "formats/gqa_model.h"
#include "test_util.h"

/* The attention core of one layer for T tokens at positions 0..T-1 with inputs x [T][D] (already normalised):
 * out [T][H*d], the per-head outputs before the output projection. */
void ref_gqa_attention(const gqa_config *c, const gqa_layer *w, const float *rope_factors, const double *x,
                       uint32_t T, double *out);

/* Logits [T][vocab] of the whole model for tokens at positions 0..T-1. */
void ref_gqa_forward(const gqa_model *m, const int32_t *tokens, uint32_t T, double *logits);

/* A random GQA model in memory (weights scaled like a trained model's, norms near 1); biases when c->qkv_bias.
 * gguf stays NULL. Free with ref_gqa_free. */
gqa_model *ref_gqa_random(const gqa_config *c, test_rng *rng);
void ref_gqa_free(gqa_model *m);

#endif
