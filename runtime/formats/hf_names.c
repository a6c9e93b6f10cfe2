/* Hugging Face DeepSeek tensor names to GGUF names (shared/docs/deepseek-reference.md, "Hugging Face names"). */
#include <stdio.h>
#include <string.h>

#include "formats/hf_model.h"

static const char *const global_names[][2] = {
    {"model.embed_tokens.weight", "token_embd.weight"},
    {"model.norm.weight", "output_norm.weight"},
    {"lm_head.weight", "output.weight"},
};

static const char *const block_names[][2] = {
    {"input_layernorm.weight", "attn_norm.weight"},
    {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
    {"self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight"},
    {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
    {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
    {"self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight"},
    {"self_attn.kv_b_proj.weight", "attn_kv_b.weight"}, /* the legacy GGUF form; split at load */
    {"self_attn.o_proj.weight", "attn_output.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},
    {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
    {"mlp.gate.weight", "ffn_gate_inp.weight"},
    {"mlp.gate.e_score_correction_bias", "exp_probs_b.bias"},
    {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
    {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
    {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"},
};

static const char *const expert_names[][2] = {
    {"gate_proj.weight", "ffn_gate_exps.weight"},
    {"up_proj.weight", "ffn_up_exps.weight"},
    {"down_proj.weight", "ffn_down_exps.weight"},
};

/* Parses a decimal index up to 10^9 followed by '.'; returns the text after the dot or NULL. */
static const char *parse_index(const char *s, uint32_t *out)
{
    uint32_t value = 0;
    const char *start = s;
    while (*s >= '0' && *s <= '9' && s - start < 9)
        value = value * 10 + (uint32_t)(*s++ - '0');
    if (s == start || *s != '.')
        return NULL;
    *out = value;
    return s + 1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Names that hold no weight of their own: FP8 block scales (read with their weight) and rotary caches. */
static bool ignorable(const char *hf) { return ends_with(hf, "_scale_inv") || ends_with(hf, "rotary_emb.inv_freq"); }

hf_name_kind hf_map_name(const char *hf, uint32_t n_layer, uint32_t n_nextn, char *gguf, size_t cap,
                         uint32_t *expert)
{
    if (ignorable(hf))
        return HF_NAME_UNUSED;
    for (size_t i = 0; i < sizeof global_names / sizeof global_names[0]; i++)
        if (strcmp(hf, global_names[i][0]) == 0) {
            snprintf(gguf, cap, "%s", global_names[i][1]);
            return HF_NAME_TENSOR;
        }
    const char *prefix = "model.layers.";
    uint32_t layer;
    const char *rest = strncmp(hf, prefix, strlen(prefix)) == 0 ? parse_index(hf + strlen(prefix), &layer) : NULL;
    if (!rest)
        return strncmp(hf, "model.", 6) == 0 || strncmp(hf, "lm_head.", 8) == 0 ? HF_NAME_UNKNOWN : HF_NAME_UNUSED;
    if (layer >= n_layer)
        return layer - n_layer < n_nextn ? HF_NAME_MTP : HF_NAME_UNKNOWN;
    for (size_t i = 0; i < sizeof block_names / sizeof block_names[0]; i++)
        if (strcmp(rest, block_names[i][0]) == 0) {
            snprintf(gguf, cap, "blk.%u.%s", layer, block_names[i][1]);
            return HF_NAME_TENSOR;
        }
    const char *experts = "mlp.experts.";
    if (strncmp(rest, experts, strlen(experts)) != 0)
        return HF_NAME_UNKNOWN;
    const char *part = parse_index(rest + strlen(experts), expert);
    if (!part)
        return HF_NAME_UNKNOWN;
    for (size_t i = 0; i < sizeof expert_names / sizeof expert_names[0]; i++)
        if (strcmp(part, expert_names[i][0]) == 0) {
            snprintf(gguf, cap, "blk.%u.%s", layer, expert_names[i][1]);
            return HF_NAME_EXPERT;
        }
    return HF_NAME_UNKNOWN;
}
