#include "formats/deepseek_config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/status.h"

#define ARCH "deepseek2"

static mlavk_status get_u32(const gguf_file *g, const char *suffix, uint32_t *out)
{
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    return gguf_get_u32(g, key, out);
}

static mlavk_status get_f32(const gguf_file *g, const char *suffix, float *out)
{
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    return gguf_get_f32(g, key, out);
}

static mlavk_status get_u32_or(const gguf_file *g, const char *suffix, uint32_t fallback, uint32_t *out)
{
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    *out = fallback;
    return gguf_find(g, key) ? gguf_get_u32(g, key, out) : MLAVK_OK;
}

static mlavk_status get_f32_or(const gguf_file *g, const char *suffix, float fallback, float *out)
{
    char key[128];
    snprintf(key, sizeof key, ARCH ".%s", suffix);
    *out = fallback;
    return gguf_find(g, key) ? gguf_get_f32(g, key, out) : MLAVK_OK;
}

/* The vocabulary size llama.cpp's shape rules read: deepseek2.vocab_size, else the tokenizer.ggml.tokens count
 * (0 when neither is there). */
static uint32_t rule_vocab(const gguf_file *g)
{
    uint32_t v = 0;
    const gguf_value *tokens = gguf_find(g, "tokenizer.ggml.tokens");
    if (gguf_find(g, ARCH ".vocab_size") && gguf_get_u32(g, ARCH ".vocab_size", &v) == MLAVK_OK)
        return v;
    if (tokens && tokens->type == GGUF_TYPE_ARRAY && tokens->as.arr.count <= UINT32_MAX)
        return (uint32_t)tokens->as.arr.count;
    return 0;
}

/* llama.cpp reads no q_lora_rank for these block counts (DeepSeek-V2-Lite 27, GigaChat3 26, Kanana-2 48 with
 * vocab 128256) and loads attn_q; every other file must carry the key. Its rule reads block_count with the MTP
 * blocks counted (n_layer_nextn is read later). */
static mlavk_status read_q_lora(const gguf_file *g, deepseek_config *c, uint32_t vocab)
{
    const uint32_t blocks = c->n_block_count;
    const bool lite = blocks == 27 || blocks == 26 || (blocks == 48 && vocab == 128256);
    const bool present = gguf_find(g, ARCH ".attention.q_lora_rank") != NULL;
    if (!lite) {
        if (!present)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing key '" ARCH ".attention.q_lora_rank': llama.cpp infers "
                              "'no q-LoRA' only for 26 or 27 blocks, or 48 blocks with vocab 128256 (this file: %u "
                              "blocks, vocab %u)", gguf_name(g), blocks, vocab);
        return get_u32(g, "attention.q_lora_rank", &c->q_lora_rank);
    }
    uint32_t value = 0;
    if (present)
        MLAVK_TRY(get_u32(g, "attention.q_lora_rank", &value));
    if (value != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: attention.q_lora_rank %u in a %u-block file: llama.cpp ignores the "
                          "key there (its V2-Lite rule) and loads attn_q", gguf_name(g), value, blocks);
    c->q_lora_rank = 0;
    if (!present)
        deepseek_note(c, "q-LoRA: none (inferred: no attention.q_lora_rank, %u blocks%s, llama.cpp's V2-Lite rule)",
                      blocks, blocks == 48 ? " with vocab 128256" : "");
    return MLAVK_OK;
}

/* Mistral Large 3: the query of the token at position p is multiplied by log(floor(p / n) + 1) * s + 1. */
static mlavk_status read_temperature(const gguf_file *g, deepseek_config *c)
{
    MLAVK_TRY(get_f32_or(g, "attention.temperature_scale", 0.0f, &c->attn_temp_scale));
    MLAVK_TRY(get_u32_or(g, "attention.temperature_length", 0, &c->attn_temp_length));
    if (c->attn_temp_scale == 0.0f) {
        c->attn_temp_length = 0;
        return MLAVK_OK;
    }
    if (!isfinite(c->attn_temp_scale) || c->attn_temp_length == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: attention.temperature_scale %g needs a positive "
                          "attention.temperature_length (llama.cpp asserts the same)", gguf_name(g),
                          (double)c->attn_temp_scale);
    deepseek_note(c, "attention temperature: scale %g, length %u (the query at position p times "
                  "log(floor(p / %u) + 1) * %g + 1)", (double)c->attn_temp_scale, c->attn_temp_length,
                  c->attn_temp_length, (double)c->attn_temp_scale);
    return MLAVK_OK;
}

static mlavk_status read_attention(const gguf_file *g, deepseek_config *c, uint32_t vocab)
{
    MLAVK_TRY(get_u32(g, "attention.head_count", &c->n_head));
    MLAVK_TRY(read_q_lora(g, c, vocab));
    MLAVK_TRY(get_u32(g, "attention.kv_lora_rank", &c->kv_lora_rank));
    MLAVK_TRY(get_u32(g, "rope.dimension_count", &c->qk_rope_head_dim));
    /* MLA files give the per-head sizes in *_mla keys; older files give them in key_length/value_length. */
    uint32_t key_length, value_length;
    if (gguf_find(g, ARCH ".attention.key_length_mla"))
        MLAVK_TRY(get_u32(g, "attention.key_length_mla", &key_length));
    else
        MLAVK_TRY(get_u32(g, "attention.key_length", &key_length));
    if (gguf_find(g, ARCH ".attention.value_length_mla"))
        MLAVK_TRY(get_u32(g, "attention.value_length_mla", &value_length));
    else
        MLAVK_TRY(get_u32(g, "attention.value_length", &value_length));
    if (key_length <= c->qk_rope_head_dim)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: attention key length %u is not larger than the rope dimension %u",
                          gguf_name(g), key_length, c->qk_rope_head_dim);
    c->qk_nope_head_dim = key_length - c->qk_rope_head_dim;
    c->v_head_dim = value_length;
    MLAVK_TRY(read_temperature(g, c));
    return get_f32(g, "attention.layer_norm_rms_epsilon", &c->rms_norm_eps);
}

/* expert_gating_func absent (or 0, llama.cpp's NONE): softmax, except GLM-4.7-Flash files (47 or 48 blocks with
 * vocab 154880): sigmoid. */
static mlavk_status read_gating(const gguf_file *g, deepseek_config *c, uint32_t vocab)
{
    uint32_t gating;
    MLAVK_TRY(get_u32_or(g, "expert_gating_func", 0, &gating));
    bool moe = c->n_dense_lead < c->n_layer;
    if (gating == 0) {
        bool glm = (c->n_block_count == 47 || c->n_block_count == 48) && vocab == 154880;
        gating = glm ? DEEPSEEK_GATING_SIGMOID : DEEPSEEK_GATING_SOFTMAX;
        if (moe && glm)
            deepseek_note(c, "gating: sigmoid (inferred: no expert_gating_func, %u blocks with vocab 154880, "
                          "llama.cpp's GLM-4.7-Flash rule)", c->n_block_count);
        else if (moe)
            deepseek_note(c, "gating: softmax (inferred: no expert_gating_func)");
    }
    if (gating != DEEPSEEK_GATING_SOFTMAX && gating != DEEPSEEK_GATING_SIGMOID)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: unknown expert_gating_func %u (1 softmax, 2 sigmoid)",
                          gguf_name(g), gating);
    c->gating = (deepseek_gating)gating;
    return MLAVK_OK;
}

static mlavk_status read_experts(const gguf_file *g, deepseek_config *c, uint32_t vocab)
{
    /* llama.cpp: feed_forward_length, expert_count and expert_used_count optional; expert_feed_forward_length and
     * expert_shared_count required */
    MLAVK_TRY(get_u32_or(g, "feed_forward_length", 0, &c->n_ff));
    MLAVK_TRY(get_u32_or(g, "expert_count", 0, &c->n_expert));
    MLAVK_TRY(get_u32_or(g, "expert_used_count", 0, &c->n_expert_used));
    MLAVK_TRY(get_u32(g, "expert_feed_forward_length", &c->n_ff_exp));
    MLAVK_TRY(get_u32(g, "expert_shared_count", &c->n_expert_shared));
    MLAVK_TRY(get_u32_or(g, "leading_dense_block_count", 0, &c->n_dense_lead));
    MLAVK_TRY(get_u32_or(g, "expert_group_count", 0, &c->n_group));
    MLAVK_TRY(get_u32_or(g, "expert_group_used_count", 0, &c->n_group_used));
    if (c->n_group > 1 && c->n_group_used == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %u expert groups but no expert_group_used_count", gguf_name(g),
                          c->n_group);
    if (c->n_group <= 1) /* no group limit */
        c->n_group = c->n_group_used = 1;
    if (c->n_dense_lead >= c->n_layer && c->n_layer)
        deepseek_note(c, "every block dense (leading_dense_block_count %u, %u blocks)", c->n_dense_lead, c->n_layer);
    MLAVK_TRY(read_gating(g, c, vocab));
    c->expert_weights_norm = false;
    if (gguf_find(g, ARCH ".expert_weights_norm"))
        MLAVK_TRY(gguf_get_bool(g, ARCH ".expert_weights_norm", &c->expert_weights_norm));
    MLAVK_TRY(get_f32_or(g, "expert_weights_scale", 0.0f, &c->expert_weights_scale));
    if (c->expert_weights_scale == 0.0f) { /* llama.cpp scales the weights only when the value is not 0 or 1 */
        if (gguf_find(g, ARCH ".expert_weights_scale") && c->n_dense_lead < c->n_layer)
            deepseek_note(c, "expert_weights_scale 0: no scaling (as llama.cpp)");
        c->expert_weights_scale = 1.0f;
    }
    return MLAVK_OK;
}

/* RoPE and YaRN as llama.cpp's deepseek2 reads them: rope.scaling.yarn_beta_fast/slow, yarn_ext_factor and
 * yarn_attn_factor are not read there (beta 32 and 1 always); yarn_log_multiplier is 0.1 * mscale_all_dim. */
static mlavk_status read_rope(const gguf_file *g, deepseek_config *c)
{
    MLAVK_TRY(get_f32_or(g, "rope.freq_base", 10000.0f, &c->rope_freq_base));
    const gguf_value *type = gguf_find(g, ARCH ".rope.scaling.type");
    c->rope_yarn = type && type->type == GGUF_TYPE_STRING && gguf_string_equals(type->as.str, "yarn");
    if (type && !c->rope_yarn && !(type->type == GGUF_TYPE_STRING && gguf_string_equals(type->as.str, "none")))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope.scaling.type is neither 'yarn' nor 'none'", gguf_name(g));
    MLAVK_TRY(get_f32_or(g, "rope.scaling.factor", 0.0f, &c->rope_scaling_factor));
    if (c->rope_scaling_factor == 0.0f) /* llama.cpp: absent or 0 = no scaling */
        c->rope_scaling_factor = 1.0f;
    MLAVK_TRY(get_u32_or(g, "rope.scaling.original_context_length", c->n_ctx_train, &c->rope_orig_ctx));
    float beta_fast, beta_slow, attn_factor;
    MLAVK_TRY(get_f32_or(g, "rope.scaling.yarn_beta_fast", 32.0f, &beta_fast));
    MLAVK_TRY(get_f32_or(g, "rope.scaling.yarn_beta_slow", 1.0f, &beta_slow));
    c->yarn_beta_fast = 32.0f;
    c->yarn_beta_slow = 1.0f;
    if (c->rope_yarn && (beta_fast != 32.0f || beta_slow != 1.0f))
        deepseek_note(c, "rope.scaling.yarn_beta_fast/slow %g/%g ignored: llama.cpp's deepseek2 uses 32/1",
                      (double)beta_fast, (double)beta_slow);
    MLAVK_TRY(get_f32_or(g, "rope.scaling.attn_factor", 1.0f, &attn_factor));
    if (attn_factor != 1.0f)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope.scaling.attn_factor %g (not 1) is not implemented",
                          gguf_name(g), (double)attn_factor);
    MLAVK_TRY(get_f32_or(g, "rope.scaling.yarn_log_multiplier", 0.0f, &c->yarn_log_multiplier));
    /* GGUF keeps only L = 0.1 * mscale_all_dim; llama.cpp takes mscale = mscale_all_dim = L / 0.1. */
    c->yarn_mscale_all_dim = c->yarn_log_multiplier / 0.1f;
    c->yarn_mscale = c->yarn_mscale_all_dim;
    if (c->rope_yarn && c->rope_scaling_factor > 1.0f && c->yarn_log_multiplier == 0.0f) {
        /* Without the multiplier llama.cpp gives both the RoPE magnitude and sqrt of the softmax factor
         * m = 0.1 ln(factor) + 1; in the HF formulas (magnitude m(mscale) / m(mscale_all_dim), softmax factor
         * m(mscale_all_dim)^2) that is mscale_all_dim = 1 and mscale = 2 + 0.1 ln(factor). */
        c->yarn_mscale_all_dim = 1.0f;
        c->yarn_mscale = (float)(2.0 + 0.1 * log(c->rope_scaling_factor));
        deepseek_note(c, "YaRN without rope.scaling.yarn_log_multiplier: RoPE magnitude and softmax mscale both "
                      "0.1 ln(factor) + 1 (llama.cpp's rule)");
    }
    return MLAVK_OK;
}

static mlavk_status read_vocab(const gguf_file *g, deepseek_config *c)
{
    const gguf_value *tokens = gguf_find(g, "tokenizer.ggml.tokens");
    const gguf_tensor *embd = gguf_find_tensor(g, "token_embd.weight");
    if (tokens && tokens->type == GGUF_TYPE_ARRAY && tokens->as.arr.count <= UINT32_MAX)
        c->n_vocab = (uint32_t)tokens->as.arr.count;
    else if (embd && embd->n_dims == 2 && embd->dims[1] <= UINT32_MAX)
        c->n_vocab = (uint32_t)embd->dims[1];
    else
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: vocabulary size unknown (no tokenizer.ggml.tokens and no "
                          "2-D token_embd.weight)", gguf_name(g));
    c->bos_token_id = c->eos_token_id = -1;
    if (gguf_find(g, "tokenizer.ggml.bos_token_id"))
        MLAVK_TRY(gguf_get_i64(g, "tokenizer.ggml.bos_token_id", &c->bos_token_id));
    if (gguf_find(g, "tokenizer.ggml.eos_token_id"))
        MLAVK_TRY(gguf_get_i64(g, "tokenizer.ggml.eos_token_id", &c->eos_token_id));
    return MLAVK_OK;
}

/* block_count counts the NextN/MTP blocks; the main model has block_count - nextn_predict_layers. */
static mlavk_status read_blocks(const gguf_file *g, deepseek_config *c)
{
    MLAVK_TRY(get_u32(g, "block_count", &c->n_block_count));
    MLAVK_TRY(get_u32_or(g, "nextn_predict_layers", 0, &c->n_nextn_layers));
    if (c->n_nextn_layers >= c->n_block_count)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: nextn_predict_layers %u leaves none of the %u blocks for the main "
                          "model", gguf_name(g), c->n_nextn_layers, c->n_block_count);
    c->n_layer = c->n_block_count - c->n_nextn_layers;
    if (c->n_nextn_layers)
        deepseek_note(c, "MTP layers: %u (blk.%u%s), skipped: not uploaded, not in the device memory below",
                      c->n_nextn_layers, c->n_layer, c->n_nextn_layers > 1 ? " on" : "");
    return MLAVK_OK;
}

/* No output.weight: the output projection reads token_embd (llama.cpp loads it as a duplicate of token_embd). */
static void read_tied(const gguf_file *g, deepseek_config *c)
{
    c->tied_embeddings = gguf_find_tensor(g, "output.weight") == NULL;
    if (c->tied_embeddings)
        deepseek_note(c, "tied embeddings: no output.weight, the output projection reads token_embd");
}

/* The optional parts of the MLA form that mlavk transmla writes, each told by blk.0 (the manifest then requires it
 * of every block, so a file holds them in all blocks or none). */
static mlavk_status read_transmla_parts(const gguf_file *g, deepseek_config *c)
{
    c->no_latent_norm = gguf_find_tensor(g, "blk.0.attn_kv_a_mqa.weight") != NULL &&
                        gguf_find_tensor(g, "blk.0.attn_kv_a_norm.weight") == NULL;
    c->q_bias = gguf_find_tensor(g, "blk.0.attn_q.bias") != NULL;
    c->latent_bias = gguf_find_tensor(g, "blk.0.attn_kv_a_mqa.bias") != NULL;
    c->rope_freq_factors = gguf_find_tensor(g, "rope_freqs.weight") != NULL;
    if (c->q_bias && c->q_lora_rank)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: attn_q.bias with q-LoRA (no such form is known)", gguf_name(g));
    if (c->rope_freq_factors && c->rope_yarn)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope_freqs.weight together with YaRN scaling is not "
                          "implemented", gguf_name(g));
    if (c->no_latent_norm)
        deepseek_note(c, "no latent RMSNorm (attn_kv_a_norm absent: the MLA form of a GQA model)");
    if (c->q_bias || c->latent_bias)
        deepseek_note(c, "attention biases:%s%s", c->q_bias ? " attn_q.bias" : "",
                      c->latent_bias ? " attn_kv_a_mqa.bias" : "");
    if (c->rope_freq_factors)
        deepseek_note(c, "RoPE frequency factors: rope_freqs.weight");
    return MLAVK_OK;
}

mlavk_status deepseek_config_from_gguf(const gguf_file *g, deepseek_config *c)
{
    memset(c, 0, sizeof *c);
    gguf_string arch;
    MLAVK_TRY(gguf_get_string(g, "general.architecture", &arch));
    if (!gguf_string_equals(arch, ARCH))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: unsupported architecture '%.*s'", gguf_name(g),
                          (int)(arch.len < 64 ? arch.len : 64), arch.data);
    snprintf(c->architecture, sizeof c->architecture, ARCH);
    MLAVK_TRY(deepseek_check_gguf_keys(g));
    uint32_t vocab = rule_vocab(g);
    MLAVK_TRY(get_u32(g, "context_length", &c->n_ctx_train));
    MLAVK_TRY(get_u32(g, "embedding_length", &c->n_embd));
    MLAVK_TRY(read_blocks(g, c));
    MLAVK_TRY(read_attention(g, c, vocab));
    MLAVK_TRY(read_experts(g, c, vocab));
    MLAVK_TRY(read_rope(g, c));
    MLAVK_TRY(read_vocab(g, c));
    read_tied(g, c);
    MLAVK_TRY(read_transmla_parts(g, c));
    deepseek_family_from_gguf(g, c);
    return deepseek_config_validate(c, gguf_name(g));
}

mlavk_status deepseek_config_validate(const deepseek_config *c, const char *name)
{
    /* Caps keep every derived size (H*(d_n+d_r), E*F_e*D ...) far from overflow in 64 bits. */
    const uint32_t cap = 1u << 20;
    const bool dense = c->n_dense_lead > 0;
    const struct {
        const char *what;
        uint32_t value;
        uint32_t min;
    } sizes[] = {
        {"embedding length", c->n_embd, 1}, {"block count", c->n_layer, 1}, {"head count", c->n_head, 1},
        {"kv_lora_rank", c->kv_lora_rank, 1}, {"qk_nope_head_dim", c->qk_nope_head_dim, 1},
        {"qk_rope_head_dim", c->qk_rope_head_dim, 2}, {"v_head_dim", c->v_head_dim, 1},
        {"feed_forward_length", c->n_ff, dense ? 1 : 0}, {"vocabulary size", c->n_vocab, 1},
        {"context length", c->n_ctx_train, 1}, {"q_lora_rank", c->q_lora_rank, 0},
        {"expert count", c->n_expert, 0}, {"expert_feed_forward_length", c->n_ff_exp, 0},
        {"expert_shared_count", c->n_expert_shared, 0}, {"nextn_predict_layers", c->n_nextn_layers, 0},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (sizes[i].value < sizes[i].min || sizes[i].value > cap)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %s %u is out of range [%u, %u]", name, sizes[i].what,
                              sizes[i].value, sizes[i].min, cap);
    if (c->n_block_count != c->n_layer + c->n_nextn_layers || c->n_block_count > 4096)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: block count %u is out of range [1, 4096]", name, c->n_block_count);
    if (c->qk_rope_head_dim % 2 != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: rope dimension %u is odd", name, c->qk_rope_head_dim);
    if (c->n_dense_lead > c->n_block_count)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %u leading dense blocks but only %u blocks", name, c->n_dense_lead,
                          c->n_block_count);
    /* A block past the dense ones is MoE, the MTP blocks' included (llama.cpp refuses them without experts). */
    if (c->n_dense_lead < c->n_block_count && c->n_expert == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: expert count 0 but block %u is a MoE block (leading dense blocks "
                          "%u of %u)", name, c->n_dense_lead, c->n_dense_lead, c->n_block_count);
    if (c->n_dense_lead < c->n_block_count &&
        (c->n_ff_exp == 0 || c->n_expert_used == 0 || c->n_expert_used > c->n_expert))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: MoE blocks need 1 <= experts used (%u) <= experts (%u) and an "
                          "expert width", name, c->n_expert_used, c->n_expert);
    if (c->n_expert && (c->n_group == 0 || c->n_group_used == 0 || c->n_group_used > c->n_group ||
                        c->n_expert % c->n_group != 0))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: expert groups %u/%u do not divide %u experts", name,
                          c->n_group_used, c->n_group, c->n_expert);
    if (!(c->rms_norm_eps > 0.0f) || !(c->rope_freq_base > 0.0f) || !(c->rope_scaling_factor > 0.0f) ||
        !isfinite(c->expert_weights_scale))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: rms epsilon, rope base and scaling factor must be positive", name);
    return MLAVK_OK;
}

void deepseek_note(deepseek_config *c, const char *fmt, ...)
{
    if (c->n_notes >= DEEPSEEK_MAX_NOTES)
        return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(c->notes[c->n_notes++], DEEPSEEK_NOTE_LEN, fmt, args);
    va_end(args);
}

double deepseek_attn_temperature(const deepseek_config *c, uint32_t position)
{
    if (c->attn_temp_scale == 0.0f || c->attn_temp_length == 0)
        return 1.0;
    return log(floor((double)position / c->attn_temp_length) + 1.0) * c->attn_temp_scale + 1.0;
}

bool deepseek_is_mtp_tensor(const deepseek_config *c, const char *name)
{
    if (strncmp(name, "blk.", 4) != 0 || c->n_nextn_layers == 0)
        return false;
    char *end;
    unsigned long block = strtoul(name + 4, &end, 10);
    return end != name + 4 && *end == '.' && block >= c->n_layer;
}

void deepseek_format_dims(char *dst, size_t cap, uint32_t n_dims, const uint64_t *dims)
{
    size_t used = (size_t)snprintf(dst, cap, "{");
    for (uint32_t d = 0; d < n_dims && used < cap; d++)
        used += (size_t)snprintf(dst + used, cap - used, "%s%llu", d ? ", " : "", (unsigned long long)dims[d]);
    if (used < cap)
        snprintf(dst + used, cap - used, "}");
}

typedef struct manifest_builder {
    deepseek_tensor_spec *specs;
    uint32_t count;
} manifest_builder;

static void add(manifest_builder *b, int layer, const char *name, uint32_t n_dims, uint64_t d0, uint64_t d1,
                uint64_t d2)
{
    deepseek_tensor_spec *s = &b->specs[b->count++];
    memset(s, 0, sizeof *s);
    if (layer < 0)
        snprintf(s->name, sizeof s->name, "%s", name);
    else
        snprintf(s->name, sizeof s->name, "blk.%d.%s", layer, name);
    s->n_dims = n_dims;
    s->dims[0] = d0;
    s->dims[1] = d1;
    s->dims[2] = d2;
    s->dims[3] = 1;
    for (uint32_t d = n_dims; d < 4; d++)
        s->dims[d] = 1;
}

static void add_attention(manifest_builder *b, const deepseek_config *c, int i, deepseek_kv_b_form form)
{
    uint64_t D = c->n_embd, H = c->n_head, r_kv = c->kv_lora_rank;
    uint64_t d_n = c->qk_nope_head_dim, d_r = c->qk_rope_head_dim, d_v = c->v_head_dim;
    add(b, i, "attn_norm.weight", 1, D, 1, 1);
    if (c->q_lora_rank) {
        add(b, i, "attn_q_a.weight", 2, D, c->q_lora_rank, 1);
        add(b, i, "attn_q_a_norm.weight", 1, c->q_lora_rank, 1, 1);
        add(b, i, "attn_q_b.weight", 2, c->q_lora_rank, H * (d_n + d_r), 1);
    } else {
        add(b, i, "attn_q.weight", 2, D, H * (d_n + d_r), 1);
        if (c->q_bias)
            add(b, i, "attn_q.bias", 1, H * (d_n + d_r), 1, 1);
    }
    add(b, i, "attn_kv_a_mqa.weight", 2, D, r_kv + d_r, 1);
    if (c->latent_bias)
        add(b, i, "attn_kv_a_mqa.bias", 1, r_kv + d_r, 1, 1);
    if (!c->no_latent_norm)
        add(b, i, "attn_kv_a_norm.weight", 1, r_kv, 1, 1);
    if (form == DEEPSEEK_KV_B_LEGACY) {
        add(b, i, "attn_kv_b.weight", 2, r_kv, H * (d_n + d_v), 1);
    } else {
        add(b, i, "attn_k_b.weight", 3, d_n, r_kv, H);
        add(b, i, "attn_v_b.weight", 3, r_kv, d_v, H);
    }
    add(b, i, "attn_output.weight", 2, H * d_v, D, 1);
}

static void add_ffn(manifest_builder *b, const deepseek_config *c, int i)
{
    uint64_t D = c->n_embd, E = c->n_expert, F_e = c->n_ff_exp;
    add(b, i, "ffn_norm.weight", 1, D, 1, 1);
    if ((uint32_t)i < c->n_dense_lead) {
        add(b, i, "ffn_gate.weight", 2, D, c->n_ff, 1);
        add(b, i, "ffn_up.weight", 2, D, c->n_ff, 1);
        add(b, i, "ffn_down.weight", 2, c->n_ff, D, 1);
        return;
    }
    add(b, i, "ffn_gate_inp.weight", 2, D, E, 1);
    add(b, i, "exp_probs_b.bias", 1, E, 1, 1);
    b->specs[b->count - 1].optional = true;
    add(b, i, "ffn_gate_exps.weight", 3, D, F_e, E);
    b->specs[b->count - 1].routed_expert = true;
    add(b, i, "ffn_up_exps.weight", 3, D, F_e, E);
    b->specs[b->count - 1].routed_expert = true;
    add(b, i, "ffn_down_exps.weight", 3, F_e, D, E);
    b->specs[b->count - 1].routed_expert = true;
    if (c->n_expert_shared) {
        uint64_t width = (uint64_t)c->n_expert_shared * F_e;
        add(b, i, "ffn_gate_shexp.weight", 2, D, width, 1);
        add(b, i, "ffn_up_shexp.weight", 2, D, width, 1);
        add(b, i, "ffn_down_shexp.weight", 2, width, D, 1);
    }
}

/* The NextN/MTP block's own tensors (llama.cpp's LLM_TENSOR_NEXTN_*); the last three are optional there. */
static void add_nextn(manifest_builder *b, const deepseek_config *c, int i)
{
    uint64_t D = c->n_embd, V = c->n_vocab;
    add(b, i, "nextn.eh_proj.weight", 2, 2 * D, D, 1);
    add(b, i, "nextn.enorm.weight", 1, D, 1, 1);
    add(b, i, "nextn.hnorm.weight", 1, D, 1, 1);
    add(b, i, "nextn.embed_tokens.weight", 2, D, V, 1);
    b->specs[b->count - 1].optional = true;
    add(b, i, "nextn.shared_head_head.weight", 2, D, V, 1);
    b->specs[b->count - 1].optional = true;
    add(b, i, "nextn.shared_head_norm.weight", 1, D, 1, 1);
    b->specs[b->count - 1].optional = true;
}

/* At most 12 attention, 9 FFN and 6 NextN tensors per block, plus 4 global ones. */
#define MAX_SPECS_PER_LAYER 27

mlavk_status deepseek_manifest(const deepseek_config *c, deepseek_kv_b_form form, deepseek_tensor_spec **specs,
                               uint32_t *count)
{
    uint32_t blocks = c->n_layer + c->n_nextn_layers;
    manifest_builder b = {calloc((size_t)blocks * MAX_SPECS_PER_LAYER + 4, sizeof *b.specs), 0};
    if (!b.specs)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "deepseek manifest: out of memory for %u layers", blocks);
    add(&b, -1, "token_embd.weight", 2, c->n_embd, c->n_vocab, 1);
    if (c->rope_freq_factors)
        add(&b, -1, "rope_freqs.weight", 1, c->qk_rope_head_dim / 2, 1, 1);
    for (uint32_t i = 0; i < blocks; i++) {
        uint32_t first = b.count;
        add_attention(&b, c, (int)i, form);
        add_ffn(&b, c, (int)i);
        if (i >= c->n_layer) {
            add_nextn(&b, c, (int)i);
            for (uint32_t s = first; s < b.count; s++)
                b.specs[s].mtp = true;
        }
    }
    add(&b, -1, "output_norm.weight", 1, c->n_embd, 1, 1);
    if (!c->tied_embeddings)
        add(&b, -1, "output.weight", 2, c->n_embd, c->n_vocab, 1);
    *specs = b.specs;
    *count = b.count;
    return MLAVK_OK;
}
