/* GQA models from Hugging Face directories: LlamaForCausalLM and Qwen2ForCausalLM config.json, single or
 * sharded safetensors of F32, F16 or BF16, tokenizer.json and tokenizer_config.json kept as text. What the
 * modeling code would compute differently from the plain model (other activations, sliding windows, partial
 * rotary, RoPE scalings other than llama3's) is refused. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/file_map.h"
#include "formats/ggml_type.h"
#include "formats/gqa_model_internal.h"
#include "formats/json_reader.h"
#include "formats/st_shards.h"
#include "util/status.h"

#define MAX_CONFIG_BYTES (1u << 20)
#define MAX_TOKENIZER_BYTES (256u << 20)

static const char *const hf_classes[] = {[GQA_ARCH_LLAMA] = "LlamaForCausalLM",
                                         [GQA_ARCH_QWEN2] = "Qwen2ForCausalLM"};

static const char *first_architecture(const cJSON *root)
{
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const cJSON *first = cJSON_IsArray(archs) ? cJSON_GetArrayItem(archs, 0) : NULL;
    return cJSON_IsString(first) ? first->valuestring : NULL;
}

static bool class_arch(const char *name, gqa_arch *arch)
{
    for (int a = GQA_ARCH_LLAMA; name && a <= GQA_ARCH_QWEN2; a++)
        if (strcmp(name, hf_classes[a]) == 0) {
            *arch = (gqa_arch)a;
            return true;
        }
    return false;
}

static mlavk_status parse_config(const char *path, cJSON **root)
{
    char *text;
    size_t size;
    MLAVK_TRY(file_read_text(path, MAX_CONFIG_BYTES, &text, &size));
    const char *error_at = text;
    *root = cJSON_ParseWithLengthOpts(text, size, &error_at, 0);
    mlavk_status status = MLAVK_OK;
    if (!*root)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: invalid JSON near byte %td", path, error_at - text);
    else if (!cJSON_IsObject(*root))
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: not a JSON object", path);
    free(text);
    return status;
}

bool gqa_hf_dir_is_gqa(const char *dir)
{
    char *path = path_join(dir, "config.json");
    cJSON *root = NULL;
    gqa_arch arch;
    bool gqa = path && path_is_file(path) && parse_config(path, &root) == MLAVK_OK &&
               class_arch(first_architecture(root), &arch);
    cJSON_Delete(root);
    free(path);
    return gqa;
}

/* A token id, or the first of a list of them (Llama 3.1 lists several EOS ids); -1 when absent or null. */
static mlavk_status token_id(const json_reader *j, const char *key, int64_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j->root, key);
    if (cJSON_IsArray(item))
        item = cJSON_GetArrayItem(item, 0);
    *out = -1;
    if (!item || cJSON_IsNull(item))
        return MLAVK_OK;
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0) || item->valuedouble > 4294967295.0 ||
        floor(item->valuedouble) != item->valuedouble)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: '%s' is not a token id", j->name, key);
    *out = (int64_t)item->valuedouble;
    return MLAVK_OK;
}

/* Llama 3.1's scaling as HF's _compute_llama3_parameters (and llama.cpp's converter) computes it, written as
 * the factor each frequency is divided by. */
static mlavk_status llama3_factors(const json_reader *j, gqa_model *m)
{
    float factor, low, high;
    uint32_t old_ctx;
    MLAVK_TRY(json_f32(j, "factor", 8.0f, &factor));
    MLAVK_TRY(json_f32(j, "low_freq_factor", 1.0f, &low));
    MLAVK_TRY(json_f32(j, "high_freq_factor", 4.0f, &high));
    MLAVK_TRY(json_u32(j, "original_max_position_embeddings", false, 8192, &old_ctx));
    if (!(factor > 0.0f) || !(low > 0.0f) || !(high > low))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: llama3 rope_scaling needs factor > 0 and high_freq_factor > "
                          "low_freq_factor > 0", j->name);
    uint32_t half = m->config.head_dim / 2;
    if (!(m->rope_freq_factors = malloc(half * sizeof *m->rope_freq_factors)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", j->name);
    double low_wavelen = old_ctx / (double)low, high_wavelen = old_ctx / (double)high;
    for (uint32_t i = 0; i < half; i++) {
        /* HF's inv_freq is float32: base ** (arange(0, d, 2) / d) in float32, then its reciprocal */
        float inv_freq = 1.0f / powf(m->config.rope_freq_base, (float)(2 * i) / (float)m->config.head_dim);
        double wavelen = 2.0 * M_PI / inv_freq, f = 1.0;
        if (wavelen > low_wavelen) {
            f = factor;
        } else if (wavelen >= high_wavelen) {
            double smooth = (old_ctx / wavelen - low) / (high - low);
            f = 1.0 / ((1.0 - smooth) / factor + smooth);
        }
        m->rope_freq_factors[i] = (float)f;
    }
    return MLAVK_OK;
}

/* rope_scaling (or transformers' newer rope_parameters): none, "default", or "llama3". */
static mlavk_status read_rope_scaling(const json_reader *j, gqa_model *m)
{
    const cJSON *scaling = cJSON_GetObjectItemCaseSensitive(j->root, "rope_scaling");
    if (!scaling || cJSON_IsNull(scaling))
        scaling = cJSON_GetObjectItemCaseSensitive(j->root, "rope_parameters");
    if (!scaling || cJSON_IsNull(scaling))
        return MLAVK_OK;
    json_reader s = {scaling, j->name};
    const char *type = json_string(&s, "rope_type") ? json_string(&s, "rope_type") : json_string(&s, "type");
    if (!cJSON_IsObject(scaling) || !type)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: rope_scaling is not an object with a rope_type", j->name);
    MLAVK_TRY(json_f32(&s, "rope_theta", m->config.rope_freq_base, &m->config.rope_freq_base));
    if (strcmp(type, "default") == 0)
        return MLAVK_OK;
    if (strcmp(type, "llama3") == 0)
        return llama3_factors(&s, m);
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: rope_scaling type '%.32s' is not supported (only llama3)", j->name,
                      type);
}

/* Options of the modeling code that change the math in ways the reader does not implement. */
static mlavk_status refuse_unimplemented(const json_reader *j, gqa_arch arch)
{
    const char *act = json_string(j, "hidden_act");
    bool flag;
    float partial;
    if (cJSON_GetObjectItemCaseSensitive(j->root, "hidden_act") && !(act && strcmp(act, "silu") == 0))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: hidden_act is not 'silu'", j->name);
    MLAVK_TRY(json_f32(j, "partial_rotary_factor", 1.0f, &partial));
    if (partial != 1.0f)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: partial_rotary_factor %g (partial rotary embeddings are not "
                          "supported)", j->name, (double)partial);
    MLAVK_TRY(json_bool(j, "mlp_bias", false, &flag));
    if (flag)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: mlp_bias true is not supported", j->name);
    MLAVK_TRY(json_bool(j, "attention_bias", false, &flag));
    if (flag && arch == GQA_ARCH_LLAMA) /* Llama's attention_bias biases o_proj too */
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: attention_bias true (an o_proj bias) is not supported", j->name);
    MLAVK_TRY(json_bool(j, "use_sliding_window", false, &flag));
    if (flag)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: use_sliding_window true is not supported", j->name);
    return MLAVK_OK;
}

static mlavk_status read_config_json(const json_reader *j, gqa_model *m)
{
    gqa_config *c = &m->config;
    const char *name = first_architecture(j->root);
    if (!name)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: no 'architectures' list naming the model class", j->name);
    if (!class_arch(name, &c->arch)) {
        char shown[65] = "";
        for (size_t n = 0; name[n] && n < 64; n++)
            shown[n] = (uint8_t)name[n] < 0x20 || name[n] == 0x7f ? '?' : name[n], shown[n + 1] = '\0';
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: architecture '%s' is not a GQA model the reader takes "
                          "(LlamaForCausalLM, Qwen2ForCausalLM)", j->name, shown);
    }
    MLAVK_TRY(refuse_unimplemented(j, c->arch));
    MLAVK_TRY(json_u32(j, "hidden_size", true, 0, &c->n_embd));
    MLAVK_TRY(json_u32(j, "num_hidden_layers", true, 0, &c->n_layer));
    MLAVK_TRY(json_u32(j, "num_attention_heads", true, 0, &c->n_head));
    MLAVK_TRY(json_u32(j, "num_key_value_heads", false, c->n_head, &c->n_head_kv));
    MLAVK_TRY(json_u32(j, "head_dim", false, c->n_head ? c->n_embd / c->n_head : 0, &c->head_dim));
    MLAVK_TRY(json_u32(j, "intermediate_size", true, 0, &c->n_ff));
    MLAVK_TRY(json_u32(j, "vocab_size", true, 0, &c->n_vocab));
    MLAVK_TRY(json_u32(j, "max_position_embeddings", false, c->arch == GQA_ARCH_LLAMA ? 2048 : 32768,
                       &c->n_ctx_train));
    MLAVK_TRY(json_f32(j, "rms_norm_eps", 1e-6f, &c->rms_norm_eps));
    MLAVK_TRY(json_f32(j, "rope_theta", 10000.0f, &c->rope_freq_base));
    MLAVK_TRY(json_bool(j, "tie_word_embeddings", false, &c->tied_embeddings));
    MLAVK_TRY(token_id(j, "bos_token_id", &c->bos_token_id));
    MLAVK_TRY(token_id(j, "eos_token_id", &c->eos_token_id));
    c->qkv_bias = c->arch == GQA_ARCH_QWEN2; /* Llama's attention_bias is refused above */
    MLAVK_TRY(gqa_check_config(c, j->name));
    return read_rope_scaling(j, m);
}

mlavk_status gqa_config_from_json(const char *text, size_t size, const char *name, gqa_model *m)
{
    const char *error_at = text;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &error_at, 0);
    mlavk_status status = MLAVK_OK;
    if (!root)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: invalid JSON near byte %td", name, error_at - text);
    else if (!cJSON_IsObject(root))
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: not a JSON object", name);
    if (status == MLAVK_OK) {
        json_reader j = {root, name};
        status = read_config_json(&j, m);
    }
    cJSON_Delete(root);
    return status;
}

static mlavk_status read_config(const char *dir, gqa_model *m)
{
    char *path = path_join(dir, "config.json"), *text = NULL;
    size_t size;
    if (!path)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    mlavk_status status = path_is_file(path) ? file_read_text(path, MAX_CONFIG_BYTES, &text, &size)
                                             : mlavk_fail(MLAVK_ERR_FORMAT, "%s: no config.json (not a Hugging Face "
                                                          "model directory)", dir);
    if (status == MLAVK_OK)
        status = gqa_config_from_json(text, size, path, m);
    free(text);
    free(path);
    return status;
}

/* HF name -> GGUF name; false for names the reader does not know. Rotary caches map to "" (skipped). */
static bool gguf_name_of(const char *hf, char *out, size_t cap)
{
    static const char *const top[][2] = {
        {"model.embed_tokens.weight", "token_embd.weight"}, {"model.norm.weight", "output_norm.weight"},
        {"lm_head.weight", "output.weight"}};
    static const char *const block[][2] = {
        {"input_layernorm.weight", "attn_norm.weight"}, {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"self_attn.q_proj.weight", "attn_q.weight"},   {"self_attn.k_proj.weight", "attn_k.weight"},
        {"self_attn.v_proj.weight", "attn_v.weight"},   {"self_attn.o_proj.weight", "attn_output.weight"},
        {"self_attn.q_proj.bias", "attn_q.bias"},       {"self_attn.k_proj.bias", "attn_k.bias"},
        {"self_attn.v_proj.bias", "attn_v.bias"},       {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},        {"mlp.down_proj.weight", "ffn_down.weight"},
        {"self_attn.rotary_emb.inv_freq", ""}};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        if (strcmp(hf, top[i][0]) == 0)
            return snprintf(out, cap, "%s", top[i][1]) > 0;
    if (strcmp(hf, "model.rotary_emb.inv_freq") == 0)
        return snprintf(out, cap, "%s", "") == 0;
    const char *prefix = "model.layers.", *p = hf + strlen(prefix);
    unsigned layer = 0;
    if (strncmp(hf, prefix, strlen(prefix)) != 0 || *p < '0' || *p > '9' || (p[0] == '0' && p[1] != '.'))
        return false;
    for (; *p >= '0' && *p <= '9' && layer < 100000; p++)
        layer = layer * 10 + (unsigned)(*p - '0');
    if (*p != '.')
        return false;
    size_t used = (size_t)(p + 1 - hf);
    for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
        if (strcmp(hf + used, block[i][0]) == 0) {
            if (!block[i][1][0])
                return snprintf(out, cap, "%s", "") == 0;
            return snprintf(out, cap, "blk.%u.%s", layer, block[i][1]) > 0;
        }
    return false;
}

static mlavk_status read_tensor(gqa_model *m, const gqa_slots *slots, const st_file *file, const st_tensor *t)
{
    char name[64];
    if (!gguf_name_of(t->name, name, sizeof name))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%.96s' is not part of a %s; the GQA reader does not know "
                          "what it is", st_name(file), t->name, hf_classes[m->config.arch]);
    if (!name[0] || (m->config.tied_embeddings && strcmp(name, "output.weight") == 0))
        return MLAVK_OK; /* rotary caches; a tied model's lm_head is token_embd */
    gqa_slot *slot = gqa_slots_find(slots, name);
    if (!slot || (!m->config.qkv_bias && strstr(name, ".bias")))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%.96s' is not part of this %s with %u layers%s",
                          st_name(file), t->name, hf_classes[m->config.arch], m->config.n_layer,
                          slot ? " (attention_bias is false)" : "");
    uint32_t type;
    switch (t->dtype) {
    case ST_F32: type = GGML_TYPE_F32; break;
    case ST_F16: type = GGML_TYPE_F16; break;
    case ST_BF16: type = GGML_TYPE_BF16; break;
    default:
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tensor '%.96s' has dtype %s (F32, F16 or BF16 are read)",
                          st_name(file), t->name, st_dtype_name(t->dtype));
    }
    MLAVK_TRY(gqa_slot_check_shape(slot, t->n_dims, t->shape, st_name(file)));
    return gqa_slot_decode(slot, type, t->data, st_name(file));
}

static mlavk_status read_text(const char *dir, const char *file, char **out)
{
    char *path = path_join(dir, file);
    size_t size;
    if (!path)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    mlavk_status status = path_is_file(path) ? file_read_text(path, MAX_TOKENIZER_BYTES, out, &size) : MLAVK_OK;
    free(path);
    return status;
}

mlavk_status gqa_open_hf(const char *dir, gqa_model *m)
{
    snprintf(m->format, sizeof m->format, "safetensors");
    MLAVK_TRY(read_config(dir, m));
    if (!(m->layers = calloc(m->config.n_layer, sizeof *m->layers)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    st_shards shards;
    gqa_slots slots = {0};
    mlavk_status status = st_shards_open(dir, &shards);
    if (status == MLAVK_OK)
        status = gqa_slots_make(m, dir, &slots);
    for (uint32_t s = 0; status == MLAVK_OK && s < shards.count; s++)
        for (uint32_t i = 0; status == MLAVK_OK && i < st_tensor_count(shards.files[s]); i++)
            status = read_tensor(m, &slots, shards.files[s], st_tensor_at(shards.files[s], i));
    bool tied = m->config.tied_embeddings;
    if (status == MLAVK_OK)
        status = gqa_slots_finish(m, &slots, dir);
    if (status == MLAVK_OK && m->config.tied_embeddings != tied)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tensor 'lm_head.weight' (tie_word_embeddings is false)",
                            dir);
    gqa_slots_free(&slots);
    st_shards_close(&shards);
    if (status == MLAVK_OK)
        status = read_text(dir, "tokenizer.json", &m->tokenizer_json);
    if (status == MLAVK_OK)
        status = read_text(dir, "tokenizer_config.json", &m->tokenizer_config_json);
    return status;
}
