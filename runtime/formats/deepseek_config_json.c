/* deepseek_config from a Hugging Face config.json. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "formats/deepseek_config.h"
#include "formats/json_reader.h"
#include "util/status.h"

static mlavk_status json_token_id(const json_reader *j, const char *key, int64_t *out)
{
    uint32_t id;
    *out = -1;
    if (!cJSON_GetObjectItemCaseSensitive(j->root, key))
        return MLAVK_OK;
    MLAVK_TRY(json_u32(j, key, false, UINT32_MAX, &id));
    *out = id == UINT32_MAX ? -1 : (int64_t)id;
    return MLAVK_OK;
}

static mlavk_status read_architecture(const json_reader *j, deepseek_config *c)
{
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(j->root, "architectures");
    const cJSON *first = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    if (!cJSON_IsString(first))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: no 'architectures' list naming the model class", j->name);
    const char *arch = first->valuestring;
    if (strcmp(arch, "DeepseekV2ForCausalLM") != 0 && strcmp(arch, "DeepseekV3ForCausalLM") != 0) {
        char printable[65];
        size_t n = 0;
        for (; arch[n] && n < 64; n++)
            printable[n] = (arch[n] >= 0x20 && arch[n] != 0x7f) ? arch[n] : '?';
        printable[n] = '\0';
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: unsupported architecture '%s'", j->name, printable);
    }
    snprintf(c->architecture, sizeof c->architecture, "%s", arch);
    return MLAVK_OK;
}

/* Keys of the modeling code that change the math in ways mlavk does not implement: refused, never guessed. */
static mlavk_status refuse_unimplemented(const json_reader *j)
{
    uint32_t freq;
    bool bias;
    MLAVK_TRY(json_u32(j, "moe_layer_freq", false, 1, &freq));
    if (freq != 1)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: moe_layer_freq %u (MoE every %u blocks) is not implemented",
                          j->name, freq, freq);
    MLAVK_TRY(json_bool(j, "attention_bias", false, &bias));
    if (bias)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: attention_bias true is not implemented", j->name);
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(j->root, "hidden_act");
    if (act && !cJSON_IsNull(act) && !(cJSON_IsString(act) && strcmp(act->valuestring, "silu") == 0))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: hidden_act is not 'silu'", j->name);
    const cJSON *topk = cJSON_GetObjectItemCaseSensitive(j->root, "topk_method");
    const char *method = json_string(j, "topk_method");
    if (topk && !cJSON_IsNull(topk) &&
        !(method && (strcmp(method, "greedy") == 0 || strcmp(method, "group_limited_greedy") == 0 ||
                     strcmp(method, "noaux_tc") == 0)))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: topk_method is none of 'greedy', 'group_limited_greedy', "
                          "'noaux_tc'", j->name);
    return MLAVK_OK;
}

static mlavk_status read_moe(const json_reader *j, deepseek_config *c)
{
    MLAVK_TRY(json_u32(j, "intermediate_size", true, 0, &c->n_ff));
    MLAVK_TRY(json_u32(j, "n_routed_experts", false, 0, &c->n_expert));
    MLAVK_TRY(json_u32(j, "num_experts_per_tok", false, 0, &c->n_expert_used));
    MLAVK_TRY(json_u32(j, "n_shared_experts", false, 0, &c->n_expert_shared));
    MLAVK_TRY(json_u32(j, "moe_intermediate_size", false, 0, &c->n_ff_exp));
    MLAVK_TRY(json_u32(j, "first_k_dense_replace", false, 0, &c->n_dense_lead));
    /* The modeling code makes a block MoE only when n_routed_experts is set: without experts every block is dense
     * (the converter writes leading_dense_block_count = num_hidden_layers then). */
    if (c->n_expert == 0 && c->n_dense_lead < c->n_block_count)
        c->n_dense_lead = c->n_block_count;
    if (c->n_dense_lead >= c->n_layer)
        deepseek_note(c, "every block dense (%s)", c->n_expert ? "first_k_dense_replace" : "no n_routed_experts");
    MLAVK_TRY(json_u32(j, "n_group", false, 1, &c->n_group));
    MLAVK_TRY(json_u32(j, "topk_group", false, 1, &c->n_group_used));
    MLAVK_TRY(json_bool(j, "norm_topk_prob", false, &c->expert_weights_norm));
    MLAVK_TRY(json_f32(j, "routed_scaling_factor", 1.0f, &c->expert_weights_scale));
    const cJSON *scoring = cJSON_GetObjectItemCaseSensitive(j->root, "scoring_func");
    c->gating = DEEPSEEK_GATING_SOFTMAX;
    if (cJSON_IsString(scoring) && strcmp(scoring->valuestring, "sigmoid") == 0)
        c->gating = DEEPSEEK_GATING_SIGMOID;
    else if (scoring && !cJSON_IsNull(scoring) &&
             !(cJSON_IsString(scoring) && strcmp(scoring->valuestring, "softmax") == 0))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: scoring_func is neither 'softmax' nor 'sigmoid'", j->name);
    return MLAVK_OK;
}

static mlavk_status read_rope(const json_reader *j, deepseek_config *c)
{
    MLAVK_TRY(json_f32(j, "rope_theta", 10000.0f, &c->rope_freq_base));
    c->rope_scaling_factor = 1.0f;
    c->rope_orig_ctx = c->n_ctx_train;
    c->yarn_beta_fast = 32.0f;
    c->yarn_beta_slow = 1.0f;
    c->yarn_mscale = c->yarn_mscale_all_dim = 1.0f;
    const cJSON *scaling = cJSON_GetObjectItemCaseSensitive(j->root, "rope_scaling");
    if (!scaling || cJSON_IsNull(scaling))
        return MLAVK_OK;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(scaling, "type");
    if (!cJSON_IsObject(scaling) || !cJSON_IsString(type) || strcmp(type->valuestring, "yarn") != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope_scaling is not of type 'yarn'", j->name);
    json_reader s = {scaling, j->name};
    c->rope_yarn = true;
    MLAVK_TRY(json_f32(&s, "factor", 1.0f, &c->rope_scaling_factor));
    MLAVK_TRY(json_u32(&s, "original_max_position_embeddings", false, c->n_ctx_train, &c->rope_orig_ctx));
    MLAVK_TRY(json_f32(&s, "beta_fast", 32.0f, &c->yarn_beta_fast));
    MLAVK_TRY(json_f32(&s, "beta_slow", 1.0f, &c->yarn_beta_slow));
    MLAVK_TRY(json_f32(&s, "mscale", 1.0f, &c->yarn_mscale));
    MLAVK_TRY(json_f32(&s, "mscale_all_dim", 0.0f, &c->yarn_mscale_all_dim));
    c->yarn_log_multiplier = 0.1f * c->yarn_mscale_all_dim;
    return MLAVK_OK;
}

static mlavk_status read_config(const json_reader *j, deepseek_config *c)
{
    MLAVK_TRY(read_architecture(j, c));
    MLAVK_TRY(json_u32(j, "hidden_size", true, 0, &c->n_embd));
    MLAVK_TRY(json_u32(j, "num_hidden_layers", true, 0, &c->n_layer));
    MLAVK_TRY(json_u32(j, "num_attention_heads", true, 0, &c->n_head));
    MLAVK_TRY(json_u32(j, "q_lora_rank", false, 0, &c->q_lora_rank));
    MLAVK_TRY(json_u32(j, "kv_lora_rank", true, 0, &c->kv_lora_rank));
    MLAVK_TRY(json_u32(j, "qk_nope_head_dim", true, 0, &c->qk_nope_head_dim));
    MLAVK_TRY(json_u32(j, "qk_rope_head_dim", true, 0, &c->qk_rope_head_dim));
    MLAVK_TRY(json_u32(j, "v_head_dim", true, 0, &c->v_head_dim));
    MLAVK_TRY(json_u32(j, "vocab_size", true, 0, &c->n_vocab));
    MLAVK_TRY(json_u32(j, "max_position_embeddings", true, 0, &c->n_ctx_train));
    MLAVK_TRY(json_u32(j, "num_nextn_predict_layers", false, 0, &c->n_nextn_layers));
    if (c->n_nextn_layers > 4096)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: num_nextn_predict_layers %u is out of range", j->name,
                          c->n_nextn_layers);
    c->n_block_count = c->n_layer + c->n_nextn_layers;
    if (c->n_nextn_layers)
        deepseek_note(c, "MTP layers: %u (model.layers.%u%s), skipped: not read, not in the device memory below",
                      c->n_nextn_layers, c->n_layer, c->n_nextn_layers > 1 ? " on" : "");
    MLAVK_TRY(json_bool(j, "tie_word_embeddings", false, &c->tied_embeddings));
    if (c->tied_embeddings)
        deepseek_note(c, "tied embeddings (tie_word_embeddings): the output projection reads token_embd");
    MLAVK_TRY(refuse_unimplemented(j));
    MLAVK_TRY(json_f32(j, "rms_norm_eps", 1e-6f, &c->rms_norm_eps));
    MLAVK_TRY(json_token_id(j, "bos_token_id", &c->bos_token_id));
    MLAVK_TRY(json_token_id(j, "eos_token_id", &c->eos_token_id));
    MLAVK_TRY(read_moe(j, c));
    MLAVK_TRY(read_rope(j, c));
    deepseek_family_from_hf(c);
    return MLAVK_OK;
}

mlavk_status deepseek_config_from_json(const char *json, size_t len, const char *name, deepseek_config *c)
{
    memset(c, 0, sizeof *c);
    const char *error_at = json;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &error_at, 0);
    if (!root)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: invalid JSON near byte %td", name, error_at - json);
    json_reader j = {root, name};
    mlavk_status status = cJSON_IsObject(root)
                              ? read_config(&j, c)
                              : mlavk_fail(MLAVK_ERR_FORMAT, "%s: the top level is not a JSON object", name);
    cJSON_Delete(root);
    return status == MLAVK_OK ? deepseek_config_validate(c, name) : status;
}
