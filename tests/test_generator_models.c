/* The generator's files, read back with the test's own readers: GGUF keys agree with config.json, every
 * GGUF tensor has the shape the reference gives and holds the HF weights (bit for bit where the types
 * match, within quantization error otherwise), sharded and FP8 directories agree with the F32 one, and
 * the two tokenizers list the same vocabulary and merges. usage: test_... MODELS_DIR */
#include "test_generator_readers.h"
#include "test_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dims {
    uint64_t heads, d_nope, d_v, r_kv, experts;
    bool v3;
} dims;

static uint64_t cfg_u(const cJSON *cfg, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(cfg, key);
    CHECK_MSG(cJSON_IsNumber(v), "config.json: %s missing", key);
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

static double cfg_f(const cJSON *cfg, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(cfg, key);
    CHECK_MSG(cJSON_IsNumber(v), "config.json: %s missing", key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void check_keys(const mini_gguf *g, const cJSON *cfg, const char *path)
{
    static const char *pairs[][2] = {
        {"context_length", "max_position_embeddings"}, {"embedding_length", "hidden_size"},
        {"block_count", "num_hidden_layers"}, {"feed_forward_length", "intermediate_size"},
        {"attention.head_count", "num_attention_heads"}, {"attention.kv_lora_rank", "kv_lora_rank"},
        {"rope.dimension_count", "qk_rope_head_dim"}, {"attention.value_length_mla", "v_head_dim"},
        {"leading_dense_block_count", "first_k_dense_replace"}, {"vocab_size", "vocab_size"},
        {"expert_feed_forward_length", "moe_intermediate_size"}, {"expert_count", "n_routed_experts"},
        {"expert_shared_count", "n_shared_experts"}, {"expert_used_count", "num_experts_per_tok"},
        {"expert_group_count", "n_group"}, {"expert_group_used_count", "topk_group"},
    };
    char key[128];
    uint32_t v;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        snprintf(key, sizeof key, "deepseek2.%s", pairs[i][0]);
        CHECK_MSG(mini_gguf_u32(g, key, &v) && v == cfg_u(cfg, pairs[i][1]), "%s: %s vs config %s", path, key,
                  pairs[i][1]);
    }
    uint64_t r_kv = cfg_u(cfg, "kv_lora_rank"), d_r = cfg_u(cfg, "qk_rope_head_dim");
    CHECK_MSG(mini_gguf_u32(g, "deepseek2.attention.head_count_kv", &v) && v == 1, "%s: head_count_kv", path);
    CHECK_MSG(mini_gguf_u32(g, "deepseek2.attention.key_length", &v) && v == r_kv + d_r, "%s: key_length", path);
    CHECK_MSG(mini_gguf_u32(g, "deepseek2.attention.value_length", &v) && v == r_kv, "%s: value_length", path);
    CHECK_MSG(mini_gguf_u32(g, "deepseek2.attention.key_length_mla", &v) &&
                  v == cfg_u(cfg, "qk_nope_head_dim") + d_r, "%s: key_length_mla", path);
    const cJSON *q_lora = cJSON_GetObjectItem(cfg, "q_lora_rank");
    bool has_q = mini_gguf_u32(g, "deepseek2.attention.q_lora_rank", &v);
    /* GGUF writes 0 for "no q-LoRA" (llama.cpp needs the key); config.json has null */
    CHECK_MSG(has_q && v == (cJSON_IsNull(q_lora) ? 0u : (uint32_t)q_lora->valuedouble), "%s: q_lora_rank", path);
    float f;
    CHECK_MSG(mini_gguf_f32(g, "deepseek2.attention.layer_norm_rms_epsilon", &f) &&
                  f == (float)cfg_f(cfg, "rms_norm_eps"), "%s: rms eps", path);
    CHECK_MSG(mini_gguf_f32(g, "deepseek2.rope.freq_base", &f) && f == (float)cfg_f(cfg, "rope_theta"),
              "%s: freq_base", path);
    CHECK_MSG(mini_gguf_f32(g, "deepseek2.expert_weights_scale", &f) &&
                  f == (float)cfg_f(cfg, "routed_scaling_factor"), "%s: expert_weights_scale", path);
    bool b;
    CHECK_MSG(mini_gguf_bool(g, "deepseek2.expert_weights_norm", &b) &&
                  b == cJSON_IsTrue(cJSON_GetObjectItem(cfg, "norm_topk_prob")), "%s: expert_weights_norm", path);
    const cJSON *scoring = cJSON_GetObjectItem(cfg, "scoring_func");
    bool sigmoid = cJSON_IsString(scoring) && strcmp(scoring->valuestring, "sigmoid") == 0;
    CHECK_MSG(mini_gguf_u32(g, "deepseek2.expert_gating_func", &v) && v == (sigmoid ? 2u : 1u), "%s: gating", path);
    const cJSON *yarn = cJSON_GetObjectItem(cfg, "rope_scaling");
    char *type = mini_gguf_str(g, "deepseek2.rope.scaling.type");
    if (cJSON_IsObject(yarn)) {
        CHECK_MSG(type && strcmp(type, "yarn") == 0, "%s: rope.scaling.type", path);
        CHECK_MSG(mini_gguf_f32(g, "deepseek2.rope.scaling.factor", &f) && f == (float)cfg_f(yarn, "factor"),
                  "%s: yarn factor", path);
        CHECK_MSG(mini_gguf_u32(g, "deepseek2.rope.scaling.original_context_length", &v) &&
                      v == cfg_u(yarn, "original_max_position_embeddings"), "%s: yarn original ctx", path);
        CHECK_MSG(mini_gguf_f32(g, "deepseek2.rope.scaling.yarn_log_multiplier", &f) &&
                      fabs(f - 0.1 * cfg_f(yarn, "mscale_all_dim")) < 1e-6, "%s: yarn_log_multiplier", path);
    } else {
        CHECK_MSG(type == NULL, "%s: rope.scaling.type without rope_scaling", path);
    }
    free(type);
    char *arch = mini_gguf_str(g, "general.architecture");
    CHECK_MSG(arch && strcmp(arch, "deepseek2") == 0, "%s: general.architecture", path);
    free(arch);
    CHECK_MSG(mini_gguf_u32(g, "general.alignment", &v) && v == 32, "%s: general.alignment", path);
}

/* GGUF leaf -> HF leaf under model.layers.N; kind 0 copy, 1 stacked experts, 2 k_b, 3 v_b. */
static const struct { const char *gguf, *hf; int kind; } leaves[] = {
    {"attn_norm.weight", "input_layernorm.weight", 0}, {"attn_q.weight", "self_attn.q_proj.weight", 0},
    {"attn_q_a.weight", "self_attn.q_a_proj.weight", 0}, {"attn_q_a_norm.weight", "self_attn.q_a_layernorm.weight", 0},
    {"attn_q_b.weight", "self_attn.q_b_proj.weight", 0},
    {"attn_kv_a_mqa.weight", "self_attn.kv_a_proj_with_mqa.weight", 0},
    {"attn_kv_a_norm.weight", "self_attn.kv_a_layernorm.weight", 0},
    {"attn_kv_b.weight", "self_attn.kv_b_proj.weight", 0}, {"attn_k_b.weight", "self_attn.kv_b_proj.weight", 2},
    {"attn_v_b.weight", "self_attn.kv_b_proj.weight", 3}, {"attn_output.weight", "self_attn.o_proj.weight", 0},
    {"ffn_norm.weight", "post_attention_layernorm.weight", 0}, {"ffn_gate.weight", "mlp.gate_proj.weight", 0},
    {"ffn_up.weight", "mlp.up_proj.weight", 0}, {"ffn_down.weight", "mlp.down_proj.weight", 0},
    {"ffn_gate_inp.weight", "mlp.gate.weight", 0}, {"exp_probs_b.bias", "mlp.gate.e_score_correction_bias", 0},
    {"ffn_gate_exps.weight", "gate_proj", 1}, {"ffn_up_exps.weight", "up_proj", 1},
    {"ffn_down_exps.weight", "down_proj", 1}, {"ffn_gate_shexp.weight", "mlp.shared_experts.gate_proj.weight", 0},
    {"ffn_up_shexp.weight", "mlp.shared_experts.up_proj.weight", 0},
    {"ffn_down_shexp.weight", "mlp.shared_experts.down_proj.weight", 0},
};

/* The values a GGUF tensor must hold, in ggml order, made from HF weights; checks the shape on the way.
 * *used counts the HF tensors consumed. NULL when the name or shape is wrong. */
static float *expected(const mini_hf *hf, const dims *d, const mini_tensor *t, int *used)
{
    char hf_name[160];
    int layer = -1, kind = -1, off = 0;
    if (strcmp(t->name, "token_embd.weight") == 0)
        snprintf(hf_name, sizeof hf_name, "model.embed_tokens.weight"), kind = 0;
    else if (strcmp(t->name, "output_norm.weight") == 0)
        snprintf(hf_name, sizeof hf_name, "model.norm.weight"), kind = 0;
    else if (strcmp(t->name, "output.weight") == 0)
        snprintf(hf_name, sizeof hf_name, "lm_head.weight"), kind = 0;
    else if (sscanf(t->name, "blk.%d.%n", &layer, &off) == 1 && off > 0)
        for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
            if (strcmp(t->name + off, leaves[i].gguf) == 0) {
                kind = leaves[i].kind;
                if (kind == 1)
                    snprintf(hf_name, sizeof hf_name, "model.layers.%d.mlp.experts.0.%s.weight", layer, leaves[i].hf);
                else
                    snprintf(hf_name, sizeof hf_name, "model.layers.%d.%s", layer, leaves[i].hf);
            }
    CHECK_MSG(kind >= 0, "%s: not a deepseek2 tensor name", t->name);
    if (kind < 0)
        return NULL;
    const mini_st_file *file;
    const cJSON *entry = mini_hf_entry(hf, hf_name, &file);
    CHECK_MSG(entry != NULL, "%s: HF tensor %s missing", t->name, hf_name);
    if (!entry)
        return NULL;
    const cJSON *shape = cJSON_GetObjectItem(entry, "shape");
    uint64_t rows = cJSON_GetArraySize(shape) == 2 ? (uint64_t)shape->child->valuedouble : 1;
    uint64_t cols = (uint64_t)cJSON_GetArrayItem(shape, cJSON_GetArraySize(shape) - 1)->valuedouble, n;
    uint64_t want[4][3] = {{cols, rows, 1}, {cols, rows, d->experts}, {d->d_nope, d->r_kv, d->heads},
                           {d->r_kv, d->d_v, d->heads}};
    bool shape_ok = t->ne[0] == want[kind][0] && t->ne[1] == want[kind][1] && t->ne[2] == want[kind][2] &&
                    t->ne[3] == 1 && t->n_dims == (kind ? 3u : rows > 1 ? 2u : 1u);
    CHECK_MSG(shape_ok, "%s: shape {%llu,%llu,%llu} does not match HF %s", t->name, (unsigned long long)t->ne[0],
              (unsigned long long)t->ne[1], (unsigned long long)t->ne[2], hf_name);
    if (!shape_ok)
        return NULL;
    float *src = mini_hf_f32(hf, hf_name, &n);
    *used += kind == 3 ? 0 : 1;
    if (kind == 0)
        return src;
    float *out = malloc(t->ne[0] * t->ne[1] * t->ne[2] * sizeof(float));
    if (kind == 1) {
        for (uint64_t j = 0; j < d->experts; j++) {
            free(src);
            snprintf(hf_name, sizeof hf_name, "model.layers.%d.mlp.experts.%llu.%s.weight", layer,
                     (unsigned long long)j, strstr(t->name, "gate") ? "gate_proj" : strstr(t->name, "up") ? "up_proj"
                                                                                                         : "down_proj");
            src = mini_hf_f32(hf, hf_name, &n);
            CHECK_MSG(src && n == rows * cols, "%s: expert %llu missing", t->name, (unsigned long long)j);
            if (src)
                memcpy(out + j * n, src, n * sizeof(float));
            *used += j ? 1 : 0;
        }
    } else { /* kv_b_proj rows per head: d_nope of W_UK then d_v of W_UV, r_kv columns */
        uint64_t per = d->d_nope + d->d_v;
        for (uint64_t h = 0; h < d->heads; h++)
            for (uint64_t r = 0; r < d->r_kv; r++) {
                for (uint64_t k = 0; kind == 2 && k < d->d_nope; k++)
                    out[(h * d->r_kv + r) * d->d_nope + k] = src[(h * per + k) * d->r_kv + r];
                for (uint64_t v = 0; kind == 3 && v < d->d_v; v++)
                    out[(h * d->d_v + v) * d->r_kv + r] = src[(h * per + d->d_nope + v) * d->r_kv + r];
            }
    }
    free(src);
    return out;
}

static double rel_rms(const float *x, const float *y, uint64_t n)
{
    double err = 0.0, ref = 0.0;
    for (uint64_t i = 0; i < n; i++) {
        err += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
        ref += (double)x[i] * x[i];
    }
    return ref > 0.0 ? sqrt(err / ref) : sqrt(err);
}

static double tolerance(uint32_t type)
{
    return type == 1 ? 1e-3 : type == 30 ? 8e-3 : type == 8 ? 0.01 : 0.1;
}

/* Checks every tensor of a GGUF file against the F32 HF weights (ref): F32 tensors bit for bit, 16-bit ones
 * bit for bit against `same` (the HF directory of that dtype) when given, the rest within their type's
 * error. Returns a bit per tensor type seen. */
static uint64_t check_gguf(const char *path, const mini_hf *ref, const mini_hf *same, const dims *d)
{
    mini_gguf g;
    uint64_t types = 0;
    if (!mini_gguf_open(&g, path)) {
        mini_gguf_close(&g);
        return 0;
    }
    check_keys(&g, ref->config, path);
    int used = 0;
    for (uint64_t i = 0; i < g.n_tensors; i++) {
        const mini_tensor *t = &g.tensors[i];
        uint64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
        types |= 1ull << t->type;
        float *got = mini_tensor_f32(t);
        CHECK_MSG(got != NULL, "%s: %s has unexpected type %u", path, t->name, t->type);
        float *want = got ? expected(ref, d, t, &used) : NULL;
        if (!want) {
            free(got);
            continue;
        }
        if (t->type == 0) {
            CHECK_MSG(memcmp(got, want, n * 4) == 0, "%s: %s differs from HF F32", path, t->name);
        } else if (same && (t->type == 1 || t->type == 30)) {
            int unused = 0;
            float *exact = expected(same, d, t, &unused);
            CHECK_MSG(exact && memcmp(got, exact, n * 4) == 0, "%s: %s differs from HF 16-bit", path, t->name);
            free(exact);
        }
        double e = rel_rms(want, got, n);
        CHECK_MSG(e <= tolerance(t->type), "%s: %s (type %u) relative error %.5f", path, t->name, t->type, e);
        free(got);
        free(want);
    }
    CHECK_MSG(used == ref->n_tensors, "%s: its tensors use %d of the %d HF tensors", path, used, ref->n_tensors);
    bool has_bias = mini_gguf_tensor(&g, "blk.1.exp_probs_b.bias") != NULL;
    CHECK_MSG(has_bias == d->v3, "%s: exp_probs_b.bias %s", path, d->v3 ? "missing" : "unexpected");
    mini_gguf_close(&g);
    return types;
}

/* Every tensor of `other` decodes to the F32 weight (bit for bit when exact) and none is missing. */
static void check_hf_same(const char *label, const mini_hf *ref, const mini_hf *other, bool exact, double tol)
{
    int count = 0;
    for (int f = 0; f < ref->n_files; f++)
        for (const cJSON *e = ref->files[f].header->child; e; e = e->next) {
            if (strcmp(e->string, "__metadata__") == 0)
                continue;
            uint64_t n, m;
            float *want = mini_hf_f32(ref, e->string, &n), *got = mini_hf_f32(other, e->string, &m);
            CHECK_MSG(got && n == m, "%s: %s missing or resized", label, e->string);
            if (got && n == m && exact)
                CHECK_MSG(memcmp(want, got, n * 4) == 0, "%s: %s differs", label, e->string);
            if (got && n == m && !exact)
                CHECK_MSG(rel_rms(want, got, n) <= tol, "%s: %s relative error %.4f", label, e->string,
                          rel_rms(want, got, n));
            count++;
            free(want);
            free(got);
        }
    int scales = 0;
    for (int f = 0; f < other->n_files; f++)
        for (const cJSON *e = other->files[f].header->child; e; e = e->next)
            scales += strstr(e->string, "_scale_inv") != NULL;
    CHECK_MSG(other->n_tensors - scales == count, "%s: %d tensors, want %d", label, other->n_tensors - scales,
              count);
}

static void check_tokenizer(const char *gguf_path, const mini_hf *hf)
{
    mini_gguf g;
    if (mini_gguf_open(&g, gguf_path)) {
        const cJSON *model = cJSON_GetObjectItem(hf->tokenizer, "model");
        const cJSON *vocab = cJSON_GetObjectItem(model, "vocab"), *merges = cJSON_GetObjectItem(model, "merges");
        uint64_t n_tokens = 0, n_merges = 0;
        free(mini_gguf_str_at(&g, "tokenizer.ggml.tokens", 0, &n_tokens));
        free(mini_gguf_str_at(&g, "tokenizer.ggml.merges", 0, &n_merges));
        CHECK_MSG(n_tokens == (uint64_t)cJSON_GetArraySize(vocab) && n_tokens == cfg_u(hf->config, "vocab_size"),
                  "%s: %llu tokens, tokenizer.json %d", gguf_path, (unsigned long long)n_tokens,
                  cJSON_GetArraySize(vocab));
        CHECK_MSG(n_merges == (uint64_t)cJSON_GetArraySize(merges), "%s: merge count differs", gguf_path);
        for (const cJSON *e = vocab ? vocab->child : NULL; e; e = e->next) {
            uint64_t count;
            char *token = mini_gguf_str_at(&g, "tokenizer.ggml.tokens", (uint64_t)e->valuedouble, &count);
            CHECK_MSG(token && strcmp(token, e->string) == 0, "%s: token %d differs", gguf_path, (int)e->valuedouble);
            free(token);
        }
        uint64_t i = 0, count;
        for (const cJSON *e = merges ? merges->child : NULL; e; e = e->next, i++) {
            char *merge = mini_gguf_str_at(&g, "tokenizer.ggml.merges", i, &count);
            CHECK_MSG(merge && cJSON_IsString(e) && strcmp(merge, e->valuestring) == 0, "%s: merge %llu differs",
                      gguf_path, (unsigned long long)i);
            free(merge);
        }
        uint32_t bos = 99, eos = 99;
        bool add_bos = false;
        char *model_name = mini_gguf_str(&g, "tokenizer.ggml.model"), *pre = mini_gguf_str(&g, "tokenizer.ggml.pre");
        CHECK_MSG(model_name && strcmp(model_name, "gpt2") == 0 && pre && strcmp(pre, "deepseek-v3") == 0,
                  "%s: tokenizer model/pre", gguf_path);
        free(model_name);
        free(pre);
        CHECK(mini_gguf_u32(&g, "tokenizer.ggml.bos_token_id", &bos) && bos == cfg_u(hf->config, "bos_token_id"));
        CHECK(mini_gguf_u32(&g, "tokenizer.ggml.eos_token_id", &eos) && eos == cfg_u(hf->config, "eos_token_id"));
        CHECK(mini_gguf_bool(&g, "tokenizer.ggml.add_bos_token", &add_bos) && add_bos);
        uint32_t pad = 99;
        CHECK(mini_gguf_u32(&g, "tokenizer.ggml.padding_token_id", &pad) && pad == eos);
        CHECK(cJSON_IsTrue(cJSON_GetObjectItem(hf->tokenizer_config, "add_bos_token")));
        const cJSON *added = cJSON_GetObjectItem(hf->tokenizer, "added_tokens");
        CHECK_MSG(cJSON_GetArraySize(added) == 2 && cfg_u(added->child, "id") == bos, "tokenizer.json: added_tokens");
    }
    mini_gguf_close(&g);
    size_t size;
    char *real = test_read_file(MLAVK_SHARED_DIR "/data/deepseek-v3-tokenizer.json", &size);
    if (real) { /* the pre-tokenizer is the real V3 one */
        cJSON *json = cJSON_ParseWithLength(real, size);
        CHECK_MSG(cJSON_Compare(cJSON_GetObjectItem(json, "pre_tokenizer"),
                                cJSON_GetObjectItem(hf->tokenizer, "pre_tokenizer"), true),
                  "tokenizer.json: pre_tokenizer differs from DeepSeek-V3's");
        cJSON_Delete(json);
        free(real);
    }
}

static void check_preset(const char *models, const char *preset)
{
    char dir[1024], path[4096];
    snprintf(dir, sizeof dir, "%s/%s", models, preset);
    mini_hf ref, other;
    snprintf(path, sizeof path, "%s/hf-f32", dir);
    if (!mini_hf_open(&ref, path)) {
        mini_hf_close(&ref);
        return;
    }
    const cJSON *c = ref.config, *method = cJSON_GetObjectItem(c, "topk_method");
    dims d = {cfg_u(c, "num_attention_heads"), cfg_u(c, "qk_nope_head_dim"), cfg_u(c, "v_head_dim"),
              cfg_u(c, "kv_lora_rank"), cfg_u(c, "n_routed_experts"),
              cJSON_IsString(method) && strcmp(method->valuestring, "noaux_tc") == 0};
    snprintf(path, sizeof path, "%s/%s-f32.gguf", dir, preset);
    CHECK_MSG(check_gguf(path, &ref, NULL, &d) == 1u, "%s: not all F32", path);
    check_tokenizer(path, &ref);
    static const char *sixteen[][2] = {{"f16", "hf-f16"}, {"bf16", "hf-bf16"}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, sixteen[i][1]);
        if (mini_hf_open(&other, path)) {
            check_hf_same(path, &ref, &other, false, tolerance(i ? 30 : 1));
            snprintf(path, sizeof path, "%s/%s-%s.gguf", dir, preset, sixteen[i][0]);
            check_gguf(path, &ref, &other, &d);
        }
        mini_hf_close(&other);
    }
    snprintf(path, sizeof path, "%s/%s-q8_0.gguf", dir, preset);
    CHECK_MSG(check_gguf(path, &ref, NULL, &d) & (1u << 8), "%s: no Q8_0 tensor", path);
    snprintf(path, sizeof path, "%s/%s-q4_k.gguf", dir, preset);
    CHECK_MSG(check_gguf(path, &ref, NULL, &d) & (1u << 12), "%s: no Q4_K tensor", path);
    snprintf(path, sizeof path, "%s/hf-fp8", dir);
    if (mini_hf_open(&other, path))
        check_hf_same(path, &ref, &other, false, 0.07); /* 3 mantissa bits */
    mini_hf_close(&other);
    snprintf(path, sizeof path, "%s/hf-f32-sharded", dir);
    if (mini_hf_open(&other, path)) {
        CHECK_MSG(other.n_files == 3 && other.index, "%s: want 3 shards and an index", path);
        check_hf_same(path, &ref, &other, true, 0.0);
    }
    mini_hf_close(&other);
    mini_hf_close(&ref);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    static const char *presets[] = {"v2-lite-tiny", "v2-tiny", "v3-tiny"};
    for (int i = 0; i < 3; i++)
        check_preset(argv[1], presets[i]);
    char dir[1024], path[4096];
    snprintf(dir, sizeof dir, "%s/v2-lite-tiny/hf-f32", argv[1]);
    snprintf(path, sizeof path, "%s/v2-lite-tiny/v2-lite-tiny-legacy-f32.gguf", argv[1]);
    mini_hf ref;
    if (mini_hf_open(&ref, dir)) {
        dims d = {cfg_u(ref.config, "num_attention_heads"), cfg_u(ref.config, "qk_nope_head_dim"),
                  cfg_u(ref.config, "v_head_dim"), cfg_u(ref.config, "kv_lora_rank"),
                  cfg_u(ref.config, "n_routed_experts"), false};
        CHECK_MSG(check_gguf(path, &ref, NULL, &d) == 1u, "%s: not all F32", path);
    }
    mini_hf_close(&ref);
    return test_finish("generated_gguf_and_safetensors_agree");
}
