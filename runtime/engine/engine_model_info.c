/* mlavk_model_info_load: hyperparameters, parameter counts and memory estimates of a model on disk. */
#include <stdio.h>
#include <string.h>

#include "formats/ggml_type.h"
#include "formats/model_files.h"
#include "mlavk.h"
#include "model/model.h"
#include "util/status.h"


_Static_assert(MLAVK_MAX_MODEL_NOTES == DEEPSEEK_MAX_NOTES, "model info notes");
_Static_assert(sizeof ((mlavk_model_info *)0)->notes[0] == DEEPSEEK_NOTE_LEN, "model info note length");

static void copy_config(const deepseek_config *c, mlavk_model_info *out)
{
    snprintf(out->architecture, sizeof out->architecture, "%s", c->architecture);
    snprintf(out->family, sizeof out->family, "%s", c->family);
    snprintf(out->family_evidence, sizeof out->family_evidence, "%s", c->family_evidence);
    out->n_notes = c->n_notes;
    memcpy(out->notes, c->notes, sizeof out->notes);
    out->n_block_count = c->n_block_count;
    out->tied_embeddings = c->tied_embeddings;
    out->attn_temp_scale = c->attn_temp_scale;
    out->attn_temp_length = c->attn_temp_length;
    out->n_embd = c->n_embd;
    out->n_layer = c->n_layer;
    out->n_head = c->n_head;
    out->q_lora_rank = c->q_lora_rank;
    out->kv_lora_rank = c->kv_lora_rank;
    out->qk_nope_head_dim = c->qk_nope_head_dim;
    out->qk_rope_head_dim = c->qk_rope_head_dim;
    out->v_head_dim = c->v_head_dim;
    out->n_expert = c->n_expert;
    out->n_expert_used = c->n_expert_used;
    out->n_expert_shared = c->n_expert_shared;
    out->n_ff = c->n_ff;
    out->n_ff_exp = c->n_ff_exp;
    out->n_dense_lead = c->n_dense_lead;
    out->n_group = c->n_group;
    out->n_group_used = c->n_group_used;
    out->gating = c->gating == DEEPSEEK_GATING_SIGMOID ? "sigmoid" : "softmax";
    out->expert_weights_norm = c->expert_weights_norm;
    out->expert_weights_scale = c->expert_weights_scale;
    out->rms_norm_eps = c->rms_norm_eps;
    out->n_vocab = c->n_vocab;
    out->n_ctx_train = c->n_ctx_train;
    out->n_nextn_layers = c->n_nextn_layers;
    out->rope_freq_base = c->rope_freq_base;
    out->rope_yarn = c->rope_yarn;
    out->rope_scaling_factor = c->rope_scaling_factor;
    out->rope_orig_ctx = c->rope_orig_ctx;
    out->yarn_beta_fast = c->yarn_beta_fast;
    out->yarn_beta_slow = c->yarn_beta_slow;
    out->yarn_mscale = c->yarn_mscale;
    out->yarn_mscale_all_dim = c->yarn_mscale_all_dim;
    out->bos_token_id = c->bos_token_id;
    out->eos_token_id = c->eos_token_id;
}

static void count_type(mlavk_model_info *out, const char *name, uint64_t elements, uint64_t bytes)
{
    uint32_t i = 0;
    while (i < out->n_types && strcmp(out->types[i].name, name) != 0)
        i++;
    if (i == out->n_types) {
        if (i == MLAVK_MAX_TENSOR_TYPES)
            return;
        snprintf(out->types[i].name, sizeof out->types[0].name, "%s", name);
        out->n_types++;
    }
    out->types[i].count++;
    out->types[i].elements += elements;
    out->types[i].bytes += bytes;
}

static bool is_routed_expert(const char *name)
{
    const char *suffix = "_exps.weight";
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

static void count_tensors(const tensor_source_set *set, const deepseek_config *c, mlavk_model_info *out)
{
    uint64_t routed = 0, other = 0;
    for (uint32_t i = 0; i < tensor_sources_count(set); i++) {
        const tensor_source *src = tensor_sources_at(set, i);
        const ggml_type_traits *traits = ggml_type_get(src->type);
        uint64_t bytes = traits ? src->n_elements / traits->block_elems * traits->block_bytes : 0;
        if (deepseek_is_mtp_tensor(c, src->name)) {
            out->n_mtp_tensors++;
            out->mtp_bytes += bytes;
            continue;
        }
        out->n_tensors++;
        count_type(out, traits ? traits->name : "unknown", src->n_elements, bytes);
        out->tensor_bytes += bytes;
        out->n_fp8_tensors += src->from_fp8;
        out->params_total += src->n_elements;
        if (is_routed_expert(src->name))
            routed += src->n_elements;
        else if (strcmp(src->name, "token_embd.weight") != 0 || c->tied_embeddings)
            other += src->n_elements;
    }
    out->params_active = other + (c->n_expert ? routed / c->n_expert * c->n_expert_used : 0);
}

/* Hostile hyperparameters could overflow the cache products; saturate rather than wrap. */
static uint64_t mul_saturating(uint64_t a, uint64_t b) { return b && a > UINT64_MAX / b ? UINT64_MAX : a * b; }

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c) { return a > b ? (a > c ? a : c) : (b > c ? b : c); }

static void estimate_memory(const deepseek_config *c, uint32_t n_ctx, mlavk_model_info *out)
{
    uint64_t L = c->n_layer, H = c->n_head, r_kv = c->kv_lora_rank;
    uint64_t d_n = c->qk_nope_head_dim, d_r = c->qk_rope_head_dim, d_v = c->v_head_dim;
    out->n_ctx = n_ctx ? n_ctx : c->n_ctx_train;
    out->kv_bytes_per_token = L * (r_kv + d_r) * 2;
    out->kv_bytes = mul_saturating(out->kv_bytes_per_token, out->n_ctx);
    out->mha_kv_bytes_per_token = L * H * (d_n + d_r + d_v) * 2;
    out->mha_kv_bytes = mul_saturating(out->mha_kv_bytes_per_token, out->n_ctx);
    uint64_t ffn = max3(c->n_ff, (uint64_t)c->n_expert_shared * c->n_ff_exp, (uint64_t)c->n_expert_used * c->n_ff_exp);
    uint64_t floats = 2ull * c->n_embd + c->q_lora_rank + H * (d_n + d_r) + (r_kv + d_r) + 2 * H * r_kv + H * d_v +
                      H * out->n_ctx + c->n_expert + 3 * ffn + c->n_vocab;
    out->scratch_bytes = 4 * floats;
}

mlavk_status mlavk_model_info_load(const char *path, uint32_t n_ctx, mlavk_model_info *out)
{
    memset(out, 0, sizeof *out);
    model_files *files;
    MLAVK_TRY(model_files_open(path, true, &files));
    snprintf(out->format, sizeof out->format, "%s", files->format);
    copy_config(&files->config, out);
    out->kv_b_form = files->kv_b_form == DEEPSEEK_KV_B_SPLIT ? "attn_k_b + attn_v_b" : "attn_kv_b (split at load)";
    out->file_bytes = files->file_bytes;
    uint32_t file_type;
    if (files->gguf && gguf_get_u32(files->gguf, "general.file_type", &file_type) == MLAVK_OK) {
        const char *name = ggml_file_type_name(file_type);
        if (name)
            snprintf(out->file_type, sizeof out->file_type, "%s", name);
        else
            snprintf(out->file_type, sizeof out->file_type, "unknown (%u)", file_type);
    }
    count_tensors(files->sources, &files->config, out);
    out->weight_device_bytes = model_weight_bytes(files);
    out->key_expansion_bytes = model_key_expansion_bytes(&files->config);
    estimate_memory(&files->config, n_ctx, out);
    model_files_close(files);
    return MLAVK_OK;
}
