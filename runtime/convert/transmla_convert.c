/* mlavk transmla: plan, calibrate, convert every layer, write the deepseek2 GGUF. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/transmla.h"
#include "formats/ggml_type.h"
#include "formats/gguf_out.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

#define DEFAULT_ROPE_DIM 64
#define DEFAULT_KV_RANK 512
#define CALIB_WINDOW 256   /* tokens per calibration window, as the reference converter's samples */
#define CALIB_MAX_WINDOWS 128

mlavk_status transmla_plan_for(const gqa_config *c, const transmla_options *o, transmla_plan *plan)
{
    const uint32_t d = c->head_dim, L = c->n_head_kv * d;
    memset(plan, 0, sizeof *plan);
    if (c->n_head_kv == 0 || c->n_head % c->n_head_kv || d % 2)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "transmla: %u query heads over %u KV heads of %u is not a GQA "
                          "layout this converter takes", c->n_head, c->n_head_kv, d);
    if (o->exact) {
        *plan = (transmla_plan){.rope_dim = L, .kv_rank = L, .freqfold = 1};
    } else {
        plan->rope_dim = o->rope_dim ? o->rope_dim : DEFAULT_ROPE_DIM;
        plan->kv_rank = o->kv_rank ? o->kv_rank : DEFAULT_KV_RANK;
        plan->freqfold = o->freqfold ? o->freqfold : (plan->rope_dim < d ? d / plan->rope_dim : 1);
    }
    const uint32_t dr = plan->rope_dim, ff = plan->freqfold;
    if (dr == 0 || dr % 2)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: rope dim %u is not a positive even number", dr);
    if (dr > L)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: rope dim %u is larger than the %u key dimensions "
                          "(%u KV heads of %u)", dr, L, c->n_head_kv, d);
    if (d % dr && dr % d)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: rope dim %u does not divide the head dimension %u "
                          "(nor is a multiple of it)", dr, d);
    if ((d / 2) % ff)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: freqfold %u does not divide the %u frequencies of "
                          "a head", ff, d / 2);
    if ((dr * ff) % d)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: freqfold %u is too small for rope dim %u (a head "
                          "of %u needs freqfold a multiple of %u)", ff, dr, d, d / dr);
    if (plan->kv_rank == 0 || plan->kv_rank > 2 * L - dr)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: kv rank %u is larger than 2 x %u x %u - rope dim "
                          "%u = %u", plan->kv_rank, c->n_head_kv, d, dr, 2 * L - dr);
    if (o->freqfold_auto && !o->calib)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: --freqfold auto compares perplexities on the "
                          "calibration text: give --calib");
    if (o->calib) {
        plan->calib_window = c->n_ctx_train && c->n_ctx_train < CALIB_WINDOW ? c->n_ctx_train : CALIB_WINDOW;
        size_t windows = o->n_calib / plan->calib_window;
        if (windows == 0)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: calibration text of %zu tokens is shorter than "
                              "one window of %u tokens", o->n_calib, plan->calib_window);
        plan->calib_windows = windows < CALIB_MAX_WINDOWS ? (uint32_t)windows : CALIB_MAX_WINDOWS;
    }
    return MLAVK_OK;
}

typedef struct output {
    gguf_out *w;
    float *scratch;
    size_t scratch_floats;
} output;

/* Converted tensors are copied (they come from scratch); the model's own (borrowed) stay where they are until the
 * file is written. */
static mlavk_status put_tensor(output *o, const char *name, uint32_t n_dims, uint64_t d0, uint64_t d1, uint64_t d2,
                               const float *data, bool borrowed)
{
    uint64_t dims[3] = {d0, d1, d2};
    size_t bytes = (size_t)(d0 * d1 * d2) * sizeof *data;
    return borrowed ? gguf_out_tensor_borrowed(o->w, name, GGML_TYPE_F32, n_dims, dims, data, bytes)
                    : gguf_out_tensor(o->w, name, GGML_TYPE_F32, n_dims, dims, data, bytes);
}

static mlavk_status put_f32(output *o, const char *name, uint32_t n_dims, uint64_t d0, uint64_t d1, uint64_t d2,
                            const float *data)
{
    return put_tensor(o, name, n_dims, d0, d1, d2, data, false);
}

static mlavk_status put_model_f32(output *o, const char *name, uint32_t n_dims, uint64_t d0, uint64_t d1,
                                  const float *data)
{
    return put_tensor(o, name, n_dims, d0, d1, 1, data, true);
}

static mlavk_status put_layer_f32(output *o, uint32_t layer, const char *suffix, uint32_t n_dims, uint64_t d0,
                                  uint64_t d1, uint64_t d2, const float *data)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%u.%s", layer, suffix);
    return put_f32(o, name, n_dims, d0, d1, d2, data);
}

static mlavk_status put_layer_model_f32(output *o, uint32_t layer, const char *suffix, uint32_t n_dims, uint64_t d0,
                                        uint64_t d1, const float *data)
{
    char name[96];
    snprintf(name, sizeof name, "blk.%u.%s", layer, suffix);
    return put_model_f32(o, name, n_dims, d0, d1, data);
}

static float *scratch(output *o, size_t floats)
{
    if (floats > o->scratch_floats) {
        float *grown = realloc(o->scratch, floats * sizeof *grown);
        if (!grown)
            return NULL;
        o->scratch = grown;
        o->scratch_floats = floats;
    }
    return o->scratch;
}

/* The query of head h in the MLA layout: [W_q,h (d rows) ; K_up,h[:, rope]^T W_q,h (dr rows)], and its bias. */
static mlavk_status write_query(output *o, uint32_t layer, const transmla_attention *a, uint32_t rank, uint32_t dr)
{
    const uint32_t H = a->n_head, d = a->head_dim, D = a->n_embd, n = a->n_lat, dq = d + dr;
    float *q = scratch(o, (size_t)H * dq * D + (size_t)H * dq);
    if (!q)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory");
    float *bias = q + (size_t)H * dq * D;
    for (uint32_t h = 0; h < H; h++) {
        const double *wq = a->wq + (size_t)h * d * D, *up = a->k_up + (size_t)h * d * n;
        for (uint32_t e = 0; e < d; e++) {
            for (uint32_t j = 0; j < D; j++)
                q[((size_t)h * dq + e) * D + j] = (float)wq[(size_t)e * D + j];
            if (a->bq)
                bias[h * dq + e] = (float)a->bq[h * d + e];
        }
        for (uint32_t k = 0; k < dr; k++) {
            for (uint32_t j = 0; j < D; j++) {
                double sum = 0.0;
                for (uint32_t e = 0; e < d; e++)
                    sum += up[(size_t)e * n + rank + k] * wq[(size_t)e * D + j];
                q[((size_t)h * dq + d + k) * D + j] = (float)sum;
            }
            double b = 0.0;
            for (uint32_t e = 0; a->bq && e < d; e++)
                b += up[(size_t)e * n + rank + k] * a->bq[h * d + e];
            bias[h * dq + d + k] = (float)b;
        }
    }
    MLAVK_TRY(put_layer_f32(o, layer, "attn_q.weight", 2, D, (uint64_t)H * dq, 1, q));
    return a->bq ? put_layer_f32(o, layer, "attn_q.bias", 1, (uint64_t)H * dq, 1, 1, bias) : MLAVK_OK;
}

/* attn_kv_a_mqa [rank + dr][D] (+ bias), attn_k_b per head W_UK,h^T [rank][d], attn_v_b per head W_UV,h [d][rank]. */
static mlavk_status write_latent(output *o, uint32_t layer, const transmla_attention *a, uint32_t rank)
{
    const uint32_t H = a->n_head, d = a->head_dim, D = a->n_embd, n = a->n_lat;
    float *buf = scratch(o, (size_t)n * D + n + 2 * (size_t)H * d * rank);
    if (!buf)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory");
    float *bias = buf + (size_t)n * D, *k_b = bias + n, *v_b = k_b + (size_t)H * d * rank;
    for (size_t i = 0; i < (size_t)n * D; i++)
        buf[i] = (float)a->w_lat[i];
    for (uint32_t i = 0; a->b_lat && i < n; i++)
        bias[i] = (float)a->b_lat[i];
    for (uint32_t h = 0; h < H; h++)
        for (uint32_t e = 0; e < d; e++)
            for (uint32_t i = 0; i < rank; i++) {
                k_b[((size_t)h * rank + i) * d + e] = (float)a->k_up[((size_t)h * d + e) * n + i];
                v_b[((size_t)h * d + e) * rank + i] = (float)a->v_up[((size_t)h * d + e) * n + i];
            }
    MLAVK_TRY(put_layer_f32(o, layer, "attn_kv_a_mqa.weight", 2, D, n, 1, buf));
    if (a->b_lat)
        MLAVK_TRY(put_layer_f32(o, layer, "attn_kv_a_mqa.bias", 1, n, 1, 1, bias));
    MLAVK_TRY(put_layer_f32(o, layer, "attn_k_b.weight", 3, d, rank, H, k_b));
    return put_layer_f32(o, layer, "attn_v_b.weight", 3, rank, d, H, v_b);
}

/* Merge, RoRoPE, balance, PCA, scale: layer l of m in the final MLA form. latent_moment (NULL without calibration):
 * the partial-RoPE model's own, for balancing and the PCA. */
static mlavk_status convert_layer(const gqa_model *m, uint32_t l, const transmla_plan *plan, const double *moment,
                                  const double *latent_moment, transmla_attention *a)
{
    const gqa_config *c = &m->config;
    MLAVK_TRY(transmla_merge(c, &m->layers[l], m->rope_freq_factors, moment, a));
    mlavk_status status = transmla_rorope(a, c->n_head_kv, plan->rope_dim, plan->freqfold);
    if (status == MLAVK_OK && latent_moment)
        memcpy(a->moment, latent_moment, (size_t)a->n_lat * a->n_lat * sizeof *a->moment);
    if (status == MLAVK_OK) {
        transmla_balance(a, plan->rope_dim);
        status = transmla_pca(a, plan->rope_dim, plan->kv_rank);
    }
    if (status == MLAVK_OK)
        transmla_scale(a, plan->rope_dim);
    else
        transmla_attention_free(a);
    return status;
}

static mlavk_status write_layer(output *o, const gqa_model *m, uint32_t l, const transmla_plan *plan,
                                const transmla_attention *a)
{
    const gqa_config *c = &m->config;
    const gqa_layer *g = &m->layers[l];
    const uint32_t D = c->n_embd, F = c->n_ff;
    MLAVK_TRY(put_layer_model_f32(o, l, "attn_norm.weight", 1, D, 1, g->attn_norm));
    MLAVK_TRY(write_query(o, l, a, plan->kv_rank, plan->rope_dim));
    MLAVK_TRY(write_latent(o, l, a, plan->kv_rank));
    MLAVK_TRY(put_layer_model_f32(o, l, "attn_output.weight", 2, (uint64_t)c->n_head * c->head_dim, D, g->wo));
    MLAVK_TRY(put_layer_model_f32(o, l, "ffn_norm.weight", 1, D, 1, g->ffn_norm));
    MLAVK_TRY(put_layer_model_f32(o, l, "ffn_gate.weight", 2, D, F, g->ffn_gate));
    MLAVK_TRY(put_layer_model_f32(o, l, "ffn_up.weight", 2, D, F, g->ffn_up));
    return put_layer_model_f32(o, l, "ffn_down.weight", 2, F, D, g->ffn_down);
}

/* deepseek2 keys as llama.cpp's converter writes an MLA model without q-LoRA, every block dense. */
static mlavk_status write_metadata(gguf_out *w, const gqa_model *m, const transmla_options *opt,
                                   const transmla_plan *plan)
{
    const gqa_config *c = &m->config;
    const uint32_t d = c->head_dim, dr = plan->rope_dim;
    char name[160];
    snprintf(name, sizeof name, "TransMLA of a %s model (rope dim %u, kv rank %u, freqfold %u)",
             c->arch == GQA_ARCH_QWEN2 ? "qwen2" : "llama", dr, plan->kv_rank, plan->freqfold);
    MLAVK_TRY(gguf_out_string(w, "general.architecture", "deepseek2"));
    MLAVK_TRY(gguf_out_string(w, "general.name", name));
    const struct {
        const char *key;
        uint32_t value;
    } u32s[] = {
        {"deepseek2.context_length", c->n_ctx_train}, {"deepseek2.embedding_length", c->n_embd},
        {"deepseek2.block_count", c->n_layer}, {"deepseek2.feed_forward_length", c->n_ff},
        {"deepseek2.leading_dense_block_count", c->n_layer}, {"deepseek2.attention.head_count", c->n_head},
        {"deepseek2.attention.head_count_kv", 1}, {"deepseek2.attention.q_lora_rank", 0},
        {"deepseek2.attention.kv_lora_rank", plan->kv_rank},
        /* absorbed MLA: one KV head of key rank + dr and value rank; per query head d + dr and d */
        {"deepseek2.attention.key_length", plan->kv_rank + dr}, {"deepseek2.attention.value_length", plan->kv_rank},
        {"deepseek2.attention.key_length_mla", d + dr}, {"deepseek2.attention.value_length_mla", d},
        {"deepseek2.rope.dimension_count", dr}, {"deepseek2.expert_count", 0}, {"deepseek2.expert_used_count", 0},
        {"deepseek2.expert_shared_count", 0}, {"deepseek2.expert_feed_forward_length", 0},
    };
    for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
        MLAVK_TRY(gguf_out_u32(w, u32s[i].key, u32s[i].value));
    MLAVK_TRY(gguf_out_f32(w, "deepseek2.attention.layer_norm_rms_epsilon", c->rms_norm_eps));
    MLAVK_TRY(gguf_out_f32(w, "deepseek2.rope.freq_base", c->rope_freq_base));
    if (!m->gguf)
        return tok_write_gguf(opt->tokenizer, c->n_vocab, c->bos_token_id, c->eos_token_id, w);
    /* the tokenizer and chat template travel as they are */
    for (uint64_t i = 0; i < gguf_kv_count(m->gguf); i++) {
        const gguf_kv *kv = gguf_kv_at(m->gguf, i);
        if (strncmp(kv->key, "tokenizer.", 10) == 0)
            MLAVK_TRY(gguf_out_copy(w, kv));
    }
    return MLAVK_OK;
}

/* rope_freqs.weight: factor_p = base^(-2p/dr) / freq_p turns llama.cpp's (and mlavk's) default frequency of pair
 * p into the one its components came from; NULL-free when every factor is 1 (the file then has no rope_freqs). */
static mlavk_status write_rope_factors(output *o, const gqa_model *m, const transmla_attention *a, uint32_t dr)
{
    float *factors = scratch(o, dr / 2);
    if (!factors)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory");
    bool all_one = true;
    for (uint32_t p = 0; p < dr / 2; p++) {
        factors[p] = (float)(pow(m->config.rope_freq_base, -2.0 * p / dr) / a->pair_freq[p]);
        all_one = all_one && fabs(factors[p] - 1.0) < 1e-6;
    }
    return all_one ? MLAVK_OK : put_f32(o, "rope_freqs.weight", 1, dr / 2, 1, 1, factors);
}

static void progress(const transmla_options *o, const char *stage, uint32_t done, uint32_t total)
{
    if (o->progress)
        o->progress(stage, done, total, o->progress_user);
}

static mlavk_status convert_all(const gqa_model *m, const transmla_options *opt, const transmla_plan *plan,
                                const double *moments, const double *latent_moments, output *o)
{
    const gqa_config *c = &m->config;
    const size_t moment_size = (size_t)4 * c->n_head_kv * c->head_dim * c->n_head_kv * c->head_dim;
    MLAVK_TRY(write_metadata(o->w, m, opt, plan));
    MLAVK_TRY(put_model_f32(o, "token_embd.weight", 2, c->n_embd, c->n_vocab, m->token_embd));
    progress(opt, "converting", 0, c->n_layer);
    for (uint32_t l = 0; l < c->n_layer; l++) {
        transmla_attention a;
        MLAVK_TRY(convert_layer(m, l, plan, moments ? moments + l * moment_size : NULL,
                                latent_moments ? latent_moments + l * moment_size : NULL, &a));
        mlavk_status status = l == 0 ? write_rope_factors(o, m, &a, plan->rope_dim) : MLAVK_OK;
        if (status == MLAVK_OK)
            status = write_layer(o, m, l, plan, &a);
        transmla_attention_free(&a);
        MLAVK_TRY(status);
        progress(opt, "converting", l + 1, c->n_layer);
    }
    MLAVK_TRY(put_model_f32(o, "output_norm.weight", 1, c->n_embd, 1, m->output_norm));
    return m->output ? put_model_f32(o, "output.weight", 2, c->n_embd, c->n_vocab, m->output) : MLAVK_OK;
}

#define AUTO_WINDOWS 8 /* windows the perplexities of --freqfold auto are taken over */

/* From the plan's (smallest) freqfold, doubled while it divides d/2 and the partial-RoPE perplexity improves. */
static mlavk_status choose_freqfold(const gqa_model *m, const transmla_options *o, const double *moments,
                                    transmla_plan *plan)
{
    const uint32_t half = m->config.head_dim / 2;
    const uint32_t windows = plan->calib_windows < AUTO_WINDOWS ? plan->calib_windows : AUTO_WINDOWS;
    double best = INFINITY;
    uint32_t best_ff = plan->freqfold;
    for (uint32_t ff = plan->freqfold; ff <= half && half % ff == 0; ff *= 2) {
        transmla_plan trial = *plan;
        trial.freqfold = ff;
        double ppl;
        MLAVK_TRY(transmla_partial_rope_pass(m, &trial, o, moments, windows, &ppl, NULL));
        if (plan->n_auto < TRANSMLA_MAX_AUTO) {
            plan->auto_freqfold[plan->n_auto] = ff;
            plan->auto_perplexity[plan->n_auto++] = ppl;
        }
        if (!(ppl < best))
            break;
        best = ppl;
        best_ff = ff;
    }
    plan->freqfold = best_ff;
    return MLAVK_OK;
}

mlavk_status transmla_convert(const gqa_model *m, const transmla_options *options, const char *path,
                              transmla_plan *plan_out)
{
    if (!m->gguf && !options->tokenizer)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: a %s model needs its tokenizer for the output",
                          m->format);
    transmla_plan plan;
    MLAVK_TRY(transmla_plan_for(&m->config, options, &plan));
    double *moments = NULL;
    if (options->calib)
        MLAVK_TRY(transmla_calibrate(m, &plan, options, &moments));
    mlavk_status status = options->freqfold_auto ? choose_freqfold(m, options, moments, &plan) : MLAVK_OK;
    double *latent_moments = NULL;
    if (status == MLAVK_OK && moments) { /* the second calibration, on the partial-RoPE model */
        const gqa_config *c = &m->config;
        const size_t n = 2 * (size_t)c->n_head_kv * c->head_dim;
        latent_moments = calloc(n * n * c->n_layer, sizeof *latent_moments);
        status = latent_moments ? transmla_partial_rope_pass(m, &plan, options, moments, plan.calib_windows,
                                                             &plan.partial_rope_perplexity, latent_moments)
                                : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "transmla: out of memory");
    }
    output o = {0};
    if (status == MLAVK_OK)
        status = gguf_out_create(&o.w);
    if (status == MLAVK_OK)
        status = convert_all(m, options, &plan, moments, latent_moments, &o);
    if (status == MLAVK_OK)
        status = gguf_out_save(o.w, path);
    gguf_out_free(o.w);
    free(o.scratch);
    free(moments);
    free(latent_moments);
    if (status == MLAVK_OK && plan_out)
        *plan_out = plan;
    return status;
}
