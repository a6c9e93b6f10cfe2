/* GGUF v3 writer: the key/value pairs llama.cpp's converter writes for deepseek2, the tensor table, then
 * the tensors streamed in chunks of rows, so even the large presets never sit in memory whole. */
#include "gen_model.h"
#include "gen_quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 32
#define CHUNK_ELEMS (1u << 22)

enum { T_U32 = 4, T_I32 = 5, T_F32 = 6, T_BOOL = 7, T_STRING = 8, T_ARRAY = 9, T_U64 = 10 };

typedef struct buffer {
    uint8_t *data;
    size_t size, cap;
    uint64_t count; /* key/value pairs written */
} buffer;

static void put(buffer *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        b->cap = (b->size + n) * 2;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            gen_die("out of memory");
    }
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static void put_u32(buffer *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(buffer *b, uint64_t v) { put(b, &v, 8); }

static void put_str(buffer *b, const char *s)
{
    put_u64(b, strlen(s));
    put(b, s, strlen(s));
}

static const gen_config *omit_cfg; /* the configuration whose --omit-key list applies */

static bool omitted(const char *name)
{
    for (uint32_t i = 0; omit_cfg && i < omit_cfg->n_omit; i++)
        if (strcmp(name, omit_cfg->omit[i]) == 0)
            return true;
    return false;
}

/* Hyperparameter names are given without the architecture prefix. */
static void key(buffer *b, const char *name, uint32_t type)
{
    char full[128];
    bool global = strncmp(name, "general.", 8) == 0 || strncmp(name, "tokenizer.", 10) == 0;
    snprintf(full, sizeof full, "%s%s", global ? "" : "deepseek2.", name);
    put_str(b, full);
    put_u32(b, type);
    b->count++;
}

static void kv_u32(buffer *b, const char *name, uint32_t v)
{
    if (!omitted(name))
        key(b, name, T_U32), put_u32(b, v);
}
static void kv_f32(buffer *b, const char *name, float v)
{
    if (!omitted(name))
        key(b, name, T_F32), put(b, &v, 4);
}
static void kv_str(buffer *b, const char *name, const char *v) { key(b, name, T_STRING), put_str(b, v); }

static void kv_bool(buffer *b, const char *name, bool v)
{
    uint8_t byte = v;
    if (omitted(name))
        return;
    key(b, name, T_BOOL);
    put(b, &byte, 1);
}

static void kv_strings(buffer *b, const char *name, char *const *v, uint32_t n)
{
    key(b, name, T_ARRAY);
    put_u32(b, T_STRING);
    put_u64(b, n);
    for (uint32_t i = 0; i < n; i++)
        put_str(b, v[i]);
}

static uint32_t file_type(ggml_type t)
{
    switch (t) {
    case GGML_TYPE_F32: return 0;
    case GGML_TYPE_F16: return 1;
    case GGML_TYPE_Q4_0: return 2;
    case GGML_TYPE_Q8_0: return 7;
    case GGML_TYPE_Q4_K: return 15; /* Q4_K_M */
    case GGML_TYPE_Q5_K: return 17; /* Q5_K_M */
    case GGML_TYPE_Q6_K: return 18;
    default: return 32; /* BF16 */
    }
}

static void hyperparameters(buffer *b, const gen_config *c)
{
    kv_u32(b, "context_length", c->ctx);
    kv_u32(b, "embedding_length", c->dim);
    kv_u32(b, "block_count", c->layers + c->nextn); /* the MTP blocks counted, as llama.cpp's converter writes */
    kv_u32(b, "feed_forward_length", c->ffn);
    kv_u32(b, "attention.head_count", c->heads);
    kv_u32(b, "attention.head_count_kv", 1);
    kv_u32(b, "attention.key_length", c->kv_lora + c->d_rope);
    kv_u32(b, "attention.value_length", c->kv_lora);
    kv_u32(b, "attention.key_length_mla", c->d_nope + c->d_rope);
    kv_u32(b, "attention.value_length_mla", c->d_v);
    kv_f32(b, "attention.layer_norm_rms_epsilon", c->eps);
    /* always written: llama.cpp requires the key (0 = attn_q) except for its 26/27-layer V2-Lite heuristic */
    kv_u32(b, "attention.q_lora_rank", c->q_lora);
    kv_u32(b, "attention.kv_lora_rank", c->kv_lora);
    kv_u32(b, "rope.dimension_count", c->d_rope);
    kv_f32(b, "rope.freq_base", c->rope_theta);
    if (c->yarn) {
        kv_str(b, "rope.scaling.type", "yarn");
        kv_f32(b, "rope.scaling.factor", c->yarn_factor);
        kv_u32(b, "rope.scaling.original_context_length", c->yarn_orig_ctx);
        kv_f32(b, "rope.scaling.yarn_log_multiplier", 0.1f * c->mscale_all_dim);
    }
    kv_u32(b, "leading_dense_block_count", c->n_dense);
    kv_u32(b, "vocab_size", c->vocab);
    kv_u32(b, "expert_feed_forward_length", c->ffn_exp);
    kv_u32(b, "expert_count", c->experts);
    kv_u32(b, "expert_shared_count", c->experts_shared);
    kv_u32(b, "expert_used_count", c->experts ? c->experts_used : 0);
    kv_f32(b, "expert_weights_scale", c->routed_scale);
    kv_bool(b, "expert_weights_norm", c->norm_topk);
    kv_u32(b, "expert_gating_func", c->sigmoid ? 2 : 1);
    if (c->experts) { /* llama.cpp asserts no groups without experts */
        kv_u32(b, "expert_group_count", c->groups);
        kv_u32(b, "expert_group_used_count", c->groups_used);
    }
    if (c->nextn)
        kv_u32(b, "nextn_predict_layers", c->nextn);
    if (c->temp_scale != 0.0f) {
        kv_f32(b, "attention.temperature_scale", c->temp_scale);
        kv_u32(b, "attention.temperature_length", c->temp_length);
    }
}

static void tokenizer(buffer *b, const gen_config *c, const gen_vocab *v)
{
    kv_str(b, "tokenizer.ggml.model", "gpt2");
    kv_str(b, "tokenizer.ggml.pre", c->pre);
    kv_strings(b, "tokenizer.ggml.tokens", v->tokens, v->n_tokens);
    key(b, "tokenizer.ggml.token_type", T_ARRAY);
    put_u32(b, T_I32);
    put_u64(b, v->n_tokens);
    put(b, v->types, v->n_tokens * sizeof(int32_t));
    kv_strings(b, "tokenizer.ggml.merges", v->merges, v->n_merges);
    kv_u32(b, "tokenizer.ggml.bos_token_id", v->bos);
    kv_u32(b, "tokenizer.ggml.eos_token_id", v->eos);
    kv_u32(b, "tokenizer.ggml.padding_token_id", v->eos); /* tokenizer_config.json pads with EOS */
    kv_bool(b, "tokenizer.ggml.add_bos_token", true);
    kv_bool(b, "tokenizer.ggml.add_eos_token", false);
}

static void metadata(buffer *b, const gen_config *c, const gen_vocab *v)
{
    char name[64];
    snprintf(name, sizeof name, "mlavk %s seed %llu", c->preset, (unsigned long long)c->seed);
    kv_str(b, "general.architecture", "deepseek2");
    kv_str(b, "general.type", "model");
    kv_str(b, "general.name", name);
    kv_u32(b, "general.alignment", ALIGNMENT);
    kv_u32(b, "general.file_type", file_type(c->gguf_type));
    if (ggml_type_get(c->gguf_type)->block_elems > 1)
        kv_u32(b, "general.quantization_version", 2);
    hyperparameters(b, c);
    tokenizer(b, c, v);
}

typedef struct worker {
    const gen_config *cfg;
    const gen_weight *w;
    ggml_type type;
    uint64_t ne0, row0, rows;
    float *fill;      /* where to draw the rows' values, or NULL when src is prefilled */
    const float *src; /* the rows to encode */
    uint8_t *out;
} worker;

static void *encode_rows(void *arg)
{
    worker *k = arg;
    if (k->fill)
        gen_fill(k->cfg, k->w, k->row0 * k->ne0, k->rows * k->ne0, k->fill);
    uint64_t row_bytes = gen_row_bytes(k->type, k->ne0);
    for (uint64_t r = 0; r < k->rows; r++)
        gen_quantize_row(k->type, k->src + r * k->ne0, k->ne0, k->out + r * row_bytes);
    return NULL;
}

/* The dequantizer self-check: every quantized tensor's first row must decode close to its source. */
static void self_check(const gen_tensor *t, const float *x, const uint8_t *q)
{
    if (t->type == GGML_TYPE_F32)
        return;
    float *y = gen_alloc(t->ne[0] * sizeof(float));
    gen_dequantize_row(t->type, q, t->ne[0], y);
    double err = 0.0, ref = 0.0;
    for (uint64_t i = 0; i < t->ne[0]; i++) {
        err += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
        ref += (double)x[i] * x[i];
    }
    free(y);
    if (!(sqrt(err / ref) <= gen_quant_tolerance(t->type)))
        gen_die("%s: %s round trip error %.4f exceeds %.4f", t->name, ggml_type_get(t->type)->name,
                sqrt(err / ref), gen_quant_tolerance(t->type));
}

/* Rows [0, rows) of one weight (or of prefilled values when w is NULL), encoded on two threads. */
static void write_rows(FILE *f, const gen_config *cfg, const gen_tensor *t, const gen_weight *w,
                       const float *prefilled, uint64_t rows, bool check)
{
    uint64_t ne0 = t->ne[0], chunk_rows = CHUNK_ELEMS / ne0 ? CHUNK_ELEMS / ne0 : 1;
    uint64_t row_bytes = gen_row_bytes(t->type, ne0);
    if (chunk_rows > rows)
        chunk_rows = rows;
    float *values = prefilled ? NULL : gen_alloc(chunk_rows * ne0 * sizeof(float));
    uint8_t *out = gen_alloc(chunk_rows * row_bytes);
    for (uint64_t r = 0; r < rows; r += chunk_rows) {
        uint64_t n = rows - r < chunk_rows ? rows - r : chunk_rows, half = n / 2;
        const float *src = prefilled ? prefilled + r * ne0 : values;
        worker k[2] = {{cfg, w, t->type, ne0, r, half, values, src, out},
                       {cfg, w, t->type, ne0, r + half, n - half, values ? values + half * ne0 : NULL, src + half * ne0,
                        out + half * row_bytes}};
        if (half)
            gen_run2(encode_rows, &k[0], &k[1]);
        else
            encode_rows(&k[1]);
        if (check && r == 0)
            self_check(t, src, out);
        gen_write(f, out, n * row_bytes);
    }
    free(values);
    free(out);
}

static void write_tensor(FILE *f, const gen_config *cfg, const gen_tensor *t)
{
    if (t->source == SRC_COPY) {
        write_rows(f, cfg, t, &t->src, NULL, t->ne[1] * t->ne[2], true);
    } else if (t->source == SRC_STACK) {
        for (uint32_t j = 0; j < t->ne[2]; j++) {
            gen_weight w = t->src;
            gen_expert_name(&t->src, j, w.name, sizeof w.name);
            write_rows(f, cfg, t, &w, NULL, t->ne[1], j == 0);
        }
    } else {
        float *values = gen_tensor_values(cfg, t);
        write_rows(f, cfg, t, NULL, values, t->ne[1] * t->ne[2], true);
        free(values);
    }
}

static void pad(FILE *f, uint64_t *pos, uint64_t target)
{
    static const uint8_t zeros[ALIGNMENT];
    gen_write(f, zeros, target - *pos);
    *pos = target;
}

void gen_write_gguf(const gen_config *cfg, gen_model *model, const gen_vocab *vocab, const char *path)
{
    buffer kv = {0}, info = {0};
    omit_cfg = cfg;
    metadata(&kv, cfg, vocab);
    omit_cfg = NULL;
    uint64_t offset = 0;
    for (size_t i = 0; i < model->n_tensors; i++) {
        gen_tensor *t = &model->tensors[i];
        t->offset = offset;
        offset = (offset + t->bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        put_str(&info, t->name);
        put_u32(&info, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++)
            put_u64(&info, t->ne[d]);
        put_u32(&info, t->type);
        put_u64(&info, t->offset);
    }
    gen_make_dirs(path, false);
    FILE *f = gen_open(path);
    buffer head = {0};
    put(&head, "GGUF", 4);
    put_u32(&head, 3);
    put_u64(&head, model->n_tensors);
    put_u64(&head, kv.count);
    gen_write(f, head.data, head.size);
    gen_write(f, kv.data, kv.size);
    gen_write(f, info.data, info.size);
    uint64_t pos = head.size + kv.size + info.size;
    uint64_t data_start = (pos + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    for (size_t i = 0; i < model->n_tensors; i++) {
        pad(f, &pos, data_start + model->tensors[i].offset);
        write_tensor(f, cfg, &model->tensors[i]);
        pos += model->tensors[i].bytes;
    }
    free(head.data);
    free(kv.data);
    free(info.data);
    gen_close(f, path);
}
