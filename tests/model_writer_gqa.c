#include "model_writer_gqa.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_writer.h"
#include "util/half.h"

void gqa_tiny_default(gqa_tiny *m, bool qwen2)
{
    *m = (gqa_tiny){.qwen2 = qwen2, .D = 64, .L = 2, .H = 4, .H_kv = 2, .d = 24, .F = 160, .vocab = 77,
                    .ctx = 256, .hf_dtype = "F32", .seed = 7};
}

float gqa_tiny_rope_base(const gqa_tiny *m) { return m->llama3_rope ? 500000.0f : 10000.0f; }

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

static uint64_t name_hash(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static float block_scale(uint64_t h) { return ldexpf(1.0f + (float)(h % 8) / 8.0f, -(int)(4 + (h >> 3) % 4)); }

/* Element (row, col) as its block scale s and quant q: the value is q * s. */
static void value_parts(const gqa_tiny *m, const char *name, uint64_t row, uint64_t col, float *s, int *q)
{
    uint64_t h = name_hash(name, m->seed);
    *s = block_scale(mix(h ^ (row * 1000003ull + col / 32) * 0x9e3779b97f4a7c15ull));
    *q = (int)(mix(h + row * 7919ull * 65536ull + col + 1) % 31) - 15;
}

float gqa_tiny_value(const gqa_tiny *m, const char *name, uint64_t row, uint64_t col)
{
    float s;
    int q;
    value_parts(m, name, row, col, &s, &q);
    return s * (float)q;
}

void gqa_tiny_llama3_factors(const gqa_tiny *m, float *out)
{
    double factor = 8, low = 1, high = 4, old_ctx = 8192, base = gqa_tiny_rope_base(m);
    for (uint32_t i = 0; i < m->d / 2; i++) {
        double freq = 1.0 / pow(base, 2.0 * i / m->d), wavelen = 2 * M_PI / freq;
        if (wavelen < old_ctx / high)
            out[i] = 1.0f;
        else if (wavelen > old_ctx / low)
            out[i] = (float)factor;
        else {
            double smooth = (old_ctx / wavelen - low) / (high - low);
            out[i] = (float)(1.0 / ((1 - smooth) / factor + smooth));
        }
    }
}

typedef struct tensor_desc {
    char name[48];
    uint64_t rows, cols;      /* rows 0: a vector */
    uint32_t rope_heads;      /* Q/K of llama: permuted in GGUF */
} tensor_desc;

static uint32_t tensor_list(const gqa_tiny *m, tensor_desc *out)
{
    uint32_t n = 0;
    uint64_t q = (uint64_t)m->H * m->d, kv = (uint64_t)m->H_kv * m->d;
#define T(r, c, heads, ...)                                                              \
    do {                                                                                 \
        snprintf(out[n].name, sizeof out[n].name, __VA_ARGS__);                          \
        out[n].rows = (r), out[n].cols = (c), out[n].rope_heads = (heads), n++;          \
    } while (0)
    T(m->vocab, m->D, 0, "token_embd.weight");
    T(0, m->D, 0, "output_norm.weight");
    if (!m->tied)
        T(m->vocab, m->D, 0, "output.weight");
    for (uint32_t i = 0; i < m->L; i++) {
        T(0, m->D, 0, "blk.%u.attn_norm.weight", i);
        T(q, m->D, m->H, "blk.%u.attn_q.weight", i);
        T(kv, m->D, m->H_kv, "blk.%u.attn_k.weight", i);
        T(kv, m->D, 0, "blk.%u.attn_v.weight", i);
        if (m->qwen2) {
            T(0, q, m->H, "blk.%u.attn_q.bias", i);
            T(0, kv, m->H_kv, "blk.%u.attn_k.bias", i);
            T(0, kv, 0, "blk.%u.attn_v.bias", i);
        }
        T(m->D, q, 0, "blk.%u.attn_output.weight", i);
        T(0, m->D, 0, "blk.%u.ffn_norm.weight", i);
        T(m->F, m->D, 0, "blk.%u.ffn_gate.weight", i);
        T(m->F, m->D, 0, "blk.%u.ffn_up.weight", i);
        T(m->D, m->F, 0, "blk.%u.ffn_down.weight", i);
    }
#undef T
    return n;
}

/* The converter's LlamaModel.permute: reshape(heads, 2, d/2, cols).swapaxes(1, 2), so GGUF row h*d + 2i + j
 * holds HF row h*d + j*d/2 + i. */
static uint64_t hf_row_of_gguf_row(const gqa_tiny *m, const tensor_desc *t, uint64_t r)
{
    if (m->qwen2 || !t->rope_heads)
        return r;
    uint64_t h = r / m->d, within = r % m->d, i = within / 2, j = within % 2;
    return h * m->d + j * (m->d / 2) + i;
}

/* One tensor's bytes in GGUF row order and type (vectors always F32, as the converter writes norms). */
static void *gguf_bytes(const gqa_tiny *m, const tensor_desc *t, uint64_t rows, uint32_t *type, size_t *n_bytes)
{
    uint64_t cols = t->cols, nrows = rows ? rows : 1;
    *type = t->rows ? m->weight_type : 0;
    size_t elem = *type == 0 ? 4 : 2;
    uint8_t *bytes = malloc(*type == 8 ? nrows * cols / 32 * 34 : nrows * cols * elem);
    uint8_t *p = bytes;
    for (uint64_t r = 0; r < nrows; r++) {
        uint64_t hr = hf_row_of_gguf_row(m, t, r);
        for (uint64_t c = 0; c < cols; c++) {
            float scale, v;
            int q;
            value_parts(m, t->name, hr, c, &scale, &q);
            v = scale * (float)q;
            if (*type == 8) { /* Q8_0: per 32 values an f16 scale, then 32 int8 quants */
                if (c % 32 == 0) {
                    uint16_t s16 = mlavk_f32_to_f16(scale);
                    memcpy(p, &s16, 2);
                    p += 2;
                }
                *p++ = (uint8_t)(int8_t)q;
            } else if (*type == 0) {
                memcpy(p, &v, 4);
                p += 4;
            } else {
                uint16_t h = *type == 1 ? mlavk_f32_to_f16(v) : mlavk_f32_to_bf16(v);
                memcpy(p, &h, 2);
                p += 2;
            }
        }
    }
    *n_bytes = (size_t)(p - bytes);
    return bytes;
}

static void gw_tokens(gguf_writer *w, uint32_t count)
{
    gw_key(w, "tokenizer.ggml.tokens", 9);
    bb_u32(&w->kv, 8);
    bb_u64(&w->kv, count);
    for (uint32_t i = 0; i < count; i++) {
        char token[16];
        snprintf(token, sizeof token, "t%u", i);
        bb_str(&w->kv, token);
    }
}

/* The keys llama.cpp's converter writes for the architecture (LlamaModel adds vocab_size and
 * rope.dimension_count; Qwen2Model neither). */
static void write_keys(const gqa_tiny *m, gguf_writer *w)
{
    const char *arch = m->arch ? m->arch : m->qwen2 ? "qwen2" : "llama";
    char key[96];
#define KEY(k) (snprintf(key, sizeof key, "%s.%s", arch, k), key)
    gw_str(w, "general.architecture", arch);
    gw_str(w, "general.name", "tiny gqa");
    if (!m->qwen2)
        gw_u32(w, KEY("vocab_size"), m->vocab);
    gw_u32(w, KEY("context_length"), m->ctx);
    gw_u32(w, KEY("embedding_length"), m->D);
    gw_u32(w, KEY("feed_forward_length"), m->F);
    gw_u32(w, KEY("block_count"), m->L);
    gw_u32(w, KEY("attention.head_count"), m->H);
    gw_u32(w, KEY("attention.head_count_kv"), m->H_kv);
    gw_f32(w, KEY("rope.freq_base"), gqa_tiny_rope_base(m));
    gw_f32(w, KEY("attention.layer_norm_rms_epsilon"), 1e-5f);
    if (m->D / m->H != m->d) { /* the converter writes these when config.json has head_dim */
        gw_u32(w, KEY("attention.key_length"), m->d);
        gw_u32(w, KEY("attention.value_length"), m->d);
    }
    if (!m->qwen2 || m->rope_dim)
        gw_u32(w, KEY("rope.dimension_count"), m->rope_dim ? m->rope_dim : m->d);
    if (m->rope_scaling)
        gw_str(w, KEY("rope.scaling.type"), m->rope_scaling);
    if (m->extra_key)
        gw_u32(w, m->extra_key, 1);
#undef KEY
    gw_str(w, "tokenizer.ggml.model", "gpt2");
    gw_str(w, "tokenizer.ggml.pre", m->qwen2 ? "qwen2" : "llama-bpe");
    gw_tokens(w, m->vocab);
    gw_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gw_u32(w, "tokenizer.ggml.eos_token_id", 2);
}

bool gqa_tiny_write_gguf(const gqa_tiny *m, const char *path)
{
    gguf_writer w;
    gw_init(&w);
    write_keys(m, &w);
    tensor_desc *list = calloc(4 + 12 * (size_t)m->L, sizeof *list);
    uint32_t n = tensor_list(m, list);
    for (uint32_t i = 0; i < n; i++) {
        const tensor_desc *t = &list[i];
        if (m->omit_tensor && strcmp(m->omit_tensor, t->name) == 0)
            continue;
        uint64_t rows = t->rows + (m->misshape && strcmp(m->misshape, t->name) == 0);
        uint32_t type;
        size_t n_bytes;
        void *bytes = gguf_bytes(m, t, rows, &type, &n_bytes);
        uint64_t dims[2] = {t->cols, rows};
        gw_tensor(&w, t->name, type, t->rows ? 2 : 1, dims, bytes, n_bytes);
        free(bytes);
    }
    if (m->llama3_rope) {
        float factors[256];
        uint64_t dims[1] = {m->d / 2};
        gqa_tiny_llama3_factors(m, factors);
        gw_tensor(&w, "rope_freqs.weight", 0, 1, dims, factors, m->d / 2 * sizeof(float));
    }
    if (m->extra_tensor) {
        float *zeros = calloc(m->D, sizeof *zeros);
        uint64_t dims[1] = {m->D};
        gw_tensor(&w, m->extra_tensor, 0, 1, dims, zeros, m->D * sizeof *zeros);
        free(zeros);
    }
    free(list);
    byte_buf out;
    gw_finish(&w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

/* HF names of the GGUF ones. */
static void hf_name(const char *gguf, char *out, size_t cap)
{
    static const char *const block[][2] = {
        {"attn_norm.weight", "input_layernorm.weight"}, {"ffn_norm.weight", "post_attention_layernorm.weight"},
        {"attn_q.weight", "self_attn.q_proj.weight"},   {"attn_k.weight", "self_attn.k_proj.weight"},
        {"attn_v.weight", "self_attn.v_proj.weight"},   {"attn_output.weight", "self_attn.o_proj.weight"},
        {"attn_q.bias", "self_attn.q_proj.bias"},       {"attn_k.bias", "self_attn.k_proj.bias"},
        {"attn_v.bias", "self_attn.v_proj.bias"},       {"ffn_gate.weight", "mlp.gate_proj.weight"},
        {"ffn_up.weight", "mlp.up_proj.weight"},        {"ffn_down.weight", "mlp.down_proj.weight"}};
    if (strcmp(gguf, "token_embd.weight") == 0)
        snprintf(out, cap, "model.embed_tokens.weight");
    else if (strcmp(gguf, "output_norm.weight") == 0)
        snprintf(out, cap, "model.norm.weight");
    else if (strcmp(gguf, "output.weight") == 0)
        snprintf(out, cap, "lm_head.weight");
    else if (strncmp(gguf, "blk.", 4) != 0)
        snprintf(out, cap, "%s", gguf);
    else {
        int layer = atoi(gguf + 4);
        const char *rest = strchr(gguf + 4, '.') + 1;
        snprintf(out, cap, "model.layers.%d.%s", layer, rest);
        for (size_t i = 0; i < sizeof block / sizeof block[0]; i++)
            if (strcmp(rest, block[i][0]) == 0)
                snprintf(out, cap, "model.layers.%d.%s", layer, block[i][1]);
    }
}

static void write_st_tensor(const gqa_tiny *m, st_writer *w, const tensor_desc *t, uint64_t rows)
{
    uint64_t n = (rows ? rows : 1) * t->cols, shape[2] = {rows, t->cols};
    bool f32 = strcmp(m->hf_dtype, "F32") == 0;
    uint8_t *bytes = malloc(n * (f32 ? 4 : 2));
    for (uint64_t i = 0; i < n; i++) {
        float v = gqa_tiny_value(m, t->name, i / t->cols, i % t->cols);
        uint16_t h = strcmp(m->hf_dtype, "F16") == 0 ? mlavk_f32_to_f16(v) : mlavk_f32_to_bf16(v);
        if (f32)
            memcpy(bytes + 4 * i, &v, 4);
        else
            memcpy(bytes + 2 * i, &h, 2);
    }
    char name[96];
    hf_name(t->name, name, sizeof name);
    sw_tensor(w, name, m->hf_dtype, rows ? 2 : 1, rows ? shape : shape + 1, bytes, n * (f32 ? 4 : 2));
    free(bytes);
}

static bool write_text(const char *dir, const char *file, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return bb_write_file((const uint8_t *)text, strlen(text), path);
}

static bool write_config(const gqa_tiny *m, const char *dir)
{
    const char *arch = m->arch ? m->arch : m->qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM";
    char scaling[160] = "null", partial[64] = "";
    if (m->llama3_rope)
        snprintf(scaling, sizeof scaling, "{\"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                 "\"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}");
    else if (m->rope_scaling)
        snprintf(scaling, sizeof scaling, "{\"factor\": 4.0, \"rope_type\": \"%s\"}", m->rope_scaling);
    if (m->rope_dim)
        snprintf(partial, sizeof partial, "\"partial_rotary_factor\": %g, ", (double)m->rope_dim / m->d);
    char text[2048];
    snprintf(text, sizeof text,
             "{\"architectures\": [\"%s\"], \"model_type\": \"%s\", \"hidden_size\": %u, "
             "\"num_hidden_layers\": %u, \"num_attention_heads\": %u, \"num_key_value_heads\": %u, "
             "\"head_dim\": %u, \"intermediate_size\": %u, \"vocab_size\": %u, "
             "\"max_position_embeddings\": %u, \"rms_norm_eps\": 1e-05, \"rope_theta\": %g, "
             "\"rope_scaling\": %s, %s\"tie_word_embeddings\": %s, \"hidden_act\": \"silu\", "
             "\"bos_token_id\": 1, \"eos_token_id\": [2, 3], \"torch_dtype\": \"float32\"}",
             arch, m->qwen2 ? "qwen2" : "llama", m->D, m->L, m->H, m->H_kv, m->d, m->F, m->vocab, m->ctx,
             (double)gqa_tiny_rope_base(m), scaling, partial, m->tied ? "true" : "false");
    return write_text(dir, "config.json", text);
}

static bool write_shard(st_writer *w, const char *dir, const char *file)
{
    byte_buf out;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    sw_finish(w, &out);
    bool ok = bb_write_file(out.data, out.size, path);
    bb_free(&out);
    return ok;
}

bool gqa_tiny_write_hf(const gqa_tiny *m, const char *dir)
{
    mkdir(dir, 0755);
    tensor_desc *list = calloc(4 + 12 * (size_t)m->L, sizeof *list);
    uint32_t n = tensor_list(m, list);
    st_writer shards[2];
    sw_init(&shards[0]);
    sw_init(&shards[1]);
    for (uint32_t i = 0; i < n; i++)
        if (!(m->omit_tensor && strcmp(m->omit_tensor, list[i].name) == 0))
            write_st_tensor(m, &shards[m->sharded ? i % 2 : 0], &list[i],
                            list[i].rows + (m->misshape && strcmp(m->misshape, list[i].name) == 0));
    if (m->extra_tensor) {
        tensor_desc extra = {.rows = 0, .cols = m->D};
        snprintf(extra.name, sizeof extra.name, "%s", m->extra_tensor);
        write_st_tensor(m, &shards[0], &extra, 0);
    }
    free(list);
    bool ok = write_config(m, dir) && write_text(dir, "tokenizer.json", "{\"tokenizer\": 1}") &&
              write_text(dir, "tokenizer_config.json", "{}");
    if (!m->sharded)
        return write_shard(&shards[0], dir, "model.safetensors") && ok;
    ok = write_shard(&shards[0], dir, "model-00001-of-00002.safetensors") && ok;
    ok = write_shard(&shards[1], dir, "model-00002-of-00002.safetensors") && ok;
    return write_text(dir, "model.safetensors.index.json",
                      "{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", "
                      "\"b\": \"model-00002-of-00002.safetensors\"}}") && ok;
}
