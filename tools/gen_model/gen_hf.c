/* Hugging Face directory: config.json, model.safetensors (or N shards and model.safetensors.index.json).
 * FP8 mode follows the DeepSeek-V3 checkpoints: 2-D projections inside the layers are F8_E4M3 with a
 * float32 weight_scale_inv per 128x128 block; everything else is BF16. */
#include "gen_model.h"
#include "gen_quant.h"

#include "util/half.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FP8_BLOCK 128
#define CHUNK_ELEMS (1u << 22)

/* One safetensors entry: a weight, or the block scales of an FP8 weight (is_scale). */
typedef struct entry {
    const gen_weight *w;
    bool is_scale;
    const char *dtype;
    uint64_t bytes, offset;
    uint32_t shard;
} entry;

static bool stored_fp8(const gen_config *cfg, const gen_weight *w) { return cfg->hf_dtype == HF_FP8 && w->fp8; }

static uint64_t blocks(uint64_t n) { return (n + FP8_BLOCK - 1) / FP8_BLOCK; }

static const char *dtype_name(const gen_config *cfg)
{
    static const char *names[] = {"F32", "F16", "BF16", "BF16"};
    return names[cfg->hf_dtype];
}

static size_t list_entries(const gen_config *cfg, const gen_model *m, entry *e)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_weights; i++) {
        const gen_weight *w = &m->weights[i];
        uint64_t count = w->rows * w->cols;
        if (stored_fp8(cfg, w)) {
            e[n++] = (entry){w, false, "F8_E4M3", count, 0, 0};
            e[n++] = (entry){w, true, "F32", blocks(w->rows) * blocks(w->cols) * 4, 0, 0};
        } else {
            e[n++] = (entry){w, false, dtype_name(cfg), count * (cfg->hf_dtype == HF_F32 ? 4 : 2), 0, 0};
        }
    }
    return n;
}

static void entry_name(const entry *e, char *out, size_t size)
{
    size_t len = strlen(e->w->name);
    if (e->is_scale) /* "x.weight" -> "x.weight_scale_inv" */
        snprintf(out, size, "%.*s_scale_inv", (int)len, e->w->name);
    else
        snprintf(out, size, "%s", e->w->name);
}

static void shard_name(const gen_config *cfg, uint32_t s, char *out, size_t size)
{
    if (cfg->shards == 1)
        snprintf(out, size, "model.safetensors");
    else
        snprintf(out, size, "model-%05u-of-%05u.safetensors", s + 1, cfg->shards);
}

static void write_plain(FILE *f, const gen_config *cfg, const gen_weight *w)
{
    uint64_t total = w->rows * w->cols, chunk = total < CHUNK_ELEMS ? total : CHUNK_ELEMS;
    float *values = gen_alloc(chunk * sizeof(float));
    uint16_t *half = gen_alloc(chunk * sizeof(uint16_t));
    for (uint64_t first = 0; first < total; first += chunk) {
        uint64_t n = total - first < chunk ? total - first : chunk;
        gen_fill(cfg, w, first, n, values);
        if (cfg->hf_dtype == HF_F32) {
            gen_write(f, values, n * sizeof(float));
            continue;
        }
        for (uint64_t i = 0; i < n; i++)
            half[i] = cfg->hf_dtype == HF_F16 ? mlavk_f32_to_f16(values[i]) : mlavk_f32_to_bf16(values[i]);
        gen_write(f, half, n * sizeof(uint16_t));
    }
    free(values);
    free(half);
}

/* Writes the F8_E4M3 weight and then its scales (the next entry): weight = fp8 * scale_inv. */
static void write_fp8(FILE *f, const gen_config *cfg, const gen_weight *w)
{
    uint64_t rows = w->rows, cols = w->cols, br = blocks(rows), bc = blocks(cols);
    float *x = gen_alloc(rows * cols * sizeof(float));
    float *scale = gen_alloc(br * bc * sizeof(float));
    uint8_t *q = gen_alloc(rows * cols);
    gen_fill(cfg, w, 0, rows * cols, x);
    for (uint64_t i = 0; i < br * bc; i++)
        scale[i] = 0.0f;
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++) {
            float *s = &scale[r / FP8_BLOCK * bc + c / FP8_BLOCK];
            *s = fmaxf(*s, fabsf(x[r * cols + c]));
        }
    for (uint64_t i = 0; i < br * bc; i++)
        scale[i] = scale[i] > 0.0f ? scale[i] / 448.0f : 1.0f;
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++)
            q[r * cols + c] = gen_f32_to_fp8(x[r * cols + c] / scale[r / FP8_BLOCK * bc + c / FP8_BLOCK]);
    gen_write(f, q, rows * cols);
    gen_write(f, scale, br * bc * sizeof(float));
    free(x);
    free(scale);
    free(q);
}

static void write_header(FILE *f, const entry *e, size_t n, uint32_t shard)
{
    char *json = NULL;
    size_t size = 0;
    FILE *h = open_memstream(&json, &size);
    if (!h)
        gen_die("out of memory");
    fputs("{\"__metadata__\":{\"format\":\"pt\"}", h);
    for (size_t i = 0; i < n; i++) {
        if (e[i].shard != shard)
            continue;
        char name[128];
        entry_name(&e[i], name, sizeof name);
        fputc(',', h);
        gen_json_string(h, name);
        fprintf(h, ":{\"dtype\":\"%s\",\"shape\":[", e[i].dtype);
        const gen_weight *w = e[i].w;
        if (e[i].is_scale)
            fprintf(h, "%llu,%llu", (unsigned long long)blocks(w->rows), (unsigned long long)blocks(w->cols));
        else if (w->is_1d)
            fprintf(h, "%llu", (unsigned long long)w->cols);
        else
            fprintf(h, "%llu,%llu", (unsigned long long)w->rows, (unsigned long long)w->cols);
        fprintf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)e[i].offset,
                (unsigned long long)(e[i].offset + e[i].bytes));
    }
    fputc('}', h);
    while ((ftell(h) % 8) != 0) /* keeps the data 8-byte aligned, as the reference writer does */
        fputc(' ', h);
    fclose(h);
    uint64_t len = size;
    gen_write(f, &len, 8);
    gen_write(f, json, size);
    free(json);
}

static void write_index(const gen_config *cfg, const entry *e, size_t n, const char *dir)
{
    char path[4096], file[64];
    uint64_t total = 0;
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    for (size_t i = 0; i < n; i++)
        total += e[i].bytes;
    FILE *f = gen_open(path);
    fprintf(f, "{\n  \"metadata\": {\"total_size\": %llu},\n  \"weight_map\": {", (unsigned long long)total);
    for (size_t i = 0; i < n; i++) {
        char name[128];
        entry_name(&e[i], name, sizeof name);
        shard_name(cfg, e[i].shard, file, sizeof file);
        fprintf(f, "%s\n    ", i ? "," : "");
        gen_json_string(f, name);
        fprintf(f, ": \"%s\"", file);
    }
    fputs("\n  }\n}\n", f);
    gen_close(f, path);
}

/* Splits the entries into shards of about equal size, an FP8 weight and its scales always together. */
static void assign_shards(const gen_config *cfg, entry *e, size_t n)
{
    uint64_t total = 0, pos = 0, offset = 0;
    for (size_t i = 0; i < n; i++)
        total += e[i].bytes;
    uint32_t shard = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t want = (uint32_t)(pos * cfg->shards / (total ? total : 1));
        if (!e[i].is_scale && want > shard && shard + 1 < cfg->shards) {
            shard++;
            offset = 0;
        }
        e[i].shard = shard, e[i].offset = offset;
        offset += e[i].bytes, pos += e[i].bytes;
    }
    if (shard + 1 != cfg->shards)
        gen_die("--shards %u: the model has too few tensors to fill every shard", cfg->shards);
}

static void write_config(const gen_config *cfg, const char *dir);

void gen_write_hf(const gen_config *cfg, const gen_model *model, const gen_vocab *vocab, const char *dir)
{
    gen_make_dirs(dir, true);
    entry *e = gen_alloc(2 * model->n_weights * sizeof *e);
    size_t n = list_entries(cfg, model, e);
    assign_shards(cfg, e, n);
    for (uint32_t s = 0; s < cfg->shards; s++) {
        char file[64], path[4096];
        shard_name(cfg, s, file, sizeof file);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        FILE *f = gen_open(path);
        write_header(f, e, n, s);
        for (size_t i = 0; i < n; i++) {
            if (e[i].shard != s || e[i].is_scale)
                continue;
            if (stored_fp8(cfg, e[i].w))
                write_fp8(f, cfg, e[i].w);
            else
                write_plain(f, cfg, e[i].w);
        }
        gen_close(f, path);
    }
    if (cfg->shards > 1)
        write_index(cfg, e, n, dir);
    free(e);
    write_config(cfg, dir);
    gen_write_hf_tokenizer(cfg, vocab, dir);
}

static void write_rope_scaling(FILE *f, const gen_config *c)
{
    if (!c->yarn) {
        fputs("  \"rope_scaling\": null,\n", f);
        return;
    }
    fprintf(f,
            "  \"rope_scaling\": {\n    \"type\": \"yarn\",\n    \"factor\": %g,\n"
            "    \"original_max_position_embeddings\": %u,\n    \"beta_fast\": %g,\n    \"beta_slow\": %g,\n"
            "    \"mscale\": %g,\n    \"mscale_all_dim\": %g\n  },\n",
            c->yarn_factor, c->yarn_orig_ctx, c->beta_fast, c->beta_slow, c->mscale, c->mscale_all_dim);
}

static void write_config(const gen_config *c, const char *dir)
{
    static const char *torch_dtype[] = {"float32", "float16", "bfloat16", "bfloat16"};
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = gen_open(path);
    const char *topk = c->v3 ? "noaux_tc" : c->groups > 1 ? "group_limited_greedy" : "greedy";
    fprintf(f, "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"%s\",\n",
            c->v3 ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM", c->v3 ? "deepseek_v3" : "deepseek_v2");
    fprintf(f, "  \"vocab_size\": %u,\n  \"hidden_size\": %u,\n  \"intermediate_size\": %u,\n"
               "  \"moe_intermediate_size\": %u,\n  \"num_hidden_layers\": %u,\n  \"num_attention_heads\": %u,\n"
               "  \"num_key_value_heads\": %u,\n",
            c->vocab, c->dim, c->ffn, c->ffn_exp, c->layers, c->heads, c->heads);
    if (c->experts)
        fprintf(f, "  \"n_routed_experts\": %u,\n", c->experts);
    else /* the modeling code's dense-only form: no MoE block anywhere */
        fputs("  \"n_routed_experts\": null,\n", f);
    fprintf(f, "  \"n_shared_experts\": %u,\n  \"num_experts_per_tok\": %u,\n"
               "  \"routed_scaling_factor\": %g,\n  \"topk_method\": \"%s\",\n  \"n_group\": %u,\n"
               "  \"topk_group\": %u,\n  \"scoring_func\": \"%s\",\n  \"norm_topk_prob\": %s,\n"
               "  \"first_k_dense_replace\": %u,\n  \"moe_layer_freq\": 1,\n",
            c->experts_shared, c->experts_used, c->routed_scale, topk, c->groups, c->groups_used,
            c->sigmoid ? "sigmoid" : "softmax", c->norm_topk ? "true" : "false", c->n_dense);
    if (c->q_lora)
        fprintf(f, "  \"q_lora_rank\": %u,\n", c->q_lora);
    else
        fputs("  \"q_lora_rank\": null,\n", f);
    fprintf(f, "  \"kv_lora_rank\": %u,\n  \"qk_nope_head_dim\": %u,\n  \"qk_rope_head_dim\": %u,\n"
               "  \"v_head_dim\": %u,\n  \"max_position_embeddings\": %u,\n  \"rms_norm_eps\": %g,\n"
               "  \"rope_theta\": %g,\n",
            c->kv_lora, c->d_nope, c->d_rope, c->d_v, c->ctx, c->eps, c->rope_theta);
    write_rope_scaling(f, c);
    if (c->v3 || c->nextn)
        fprintf(f, "  \"num_nextn_predict_layers\": %u,\n", c->nextn);
    if (c->hf_dtype == HF_FP8)
        fputs("  \"quantization_config\": {\"activation_scheme\": \"dynamic\", \"fmt\": \"e4m3\", "
              "\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]},\n", f);
    fprintf(f, "  \"hidden_act\": \"silu\",\n  \"attention_bias\": false,\n  \"attention_dropout\": 0.0,\n"
               "  \"initializer_range\": 0.02,\n  \"tie_word_embeddings\": %s,\n  \"use_cache\": true,\n"
               "  \"bos_token_id\": 0,\n  \"eos_token_id\": 1,\n  \"torch_dtype\": \"%s\"\n}\n",
            c->tied ? "true" : "false", torch_dtype[c->hf_dtype]);
    gen_close(f, path);
}
