#include "model_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/half.h"

void bb_put(byte_buf *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->size + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) {
            fprintf(stderr, "model_writer: out of memory\n");
            exit(1);
        }
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->size, p, n);
    b->size += n;
}

void bb_u32(byte_buf *b, uint32_t v)
{
    uint8_t le[4];
    for (int i = 0; i < 4; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, le, 4);
}

void bb_u64(byte_buf *b, uint64_t v)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    bb_put(b, le, 8);
}

void bb_str(byte_buf *b, const char *s)
{
    bb_u64(b, strlen(s));
    bb_put(b, s, strlen(s));
}

void bb_free(byte_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

bool bb_write_file(const uint8_t *data, size_t size, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

void gw_init(gguf_writer *w)
{
    memset(w, 0, sizeof *w);
    w->version = 3;
    w->alignment = 32;
}

void gw_key(gguf_writer *w, const char *key, uint32_t type)
{
    bb_str(&w->kv, key);
    bb_u32(&w->kv, type);
    w->n_kv++;
}

void gw_u32(gguf_writer *w, const char *key, uint32_t v)
{
    gw_key(w, key, 4);
    bb_u32(&w->kv, v);
}

void gw_f32(gguf_writer *w, const char *key, float v)
{
    gw_key(w, key, 6);
    bb_u32(&w->kv, mlavk_f32_to_bits(v));
}

void gw_bool(gguf_writer *w, const char *key, bool v)
{
    uint8_t byte = v;
    gw_key(w, key, 7);
    bb_put(&w->kv, &byte, 1);
}

void gw_str(gguf_writer *w, const char *key, const char *v)
{
    gw_key(w, key, 8);
    bb_str(&w->kv, v);
}

void gw_str_array(gguf_writer *w, const char *key, const char *const *texts, const size_t *lengths, size_t count)
{
    gw_key(w, key, 9);
    bb_u32(&w->kv, 8);
    bb_u64(&w->kv, count);
    for (size_t i = 0; i < count; i++) {
        bb_u64(&w->kv, lengths[i]);
        bb_put(&w->kv, texts[i], lengths[i]);
    }
}

void gw_bpe_vocab(gguf_writer *w, const tok_gguf_vocab *v, const char *pre, int add_bos)
{
    gw_str(w, "tokenizer.ggml.model", "gpt2");
    if (pre)
        gw_str(w, "tokenizer.ggml.pre", pre);
    gw_str_array(w, "tokenizer.ggml.tokens", v->tokens, v->token_lengths, v->token_count);
    gw_key(w, "tokenizer.ggml.token_type", 9);
    bb_u32(&w->kv, 5);
    bb_u64(&w->kv, v->token_count);
    for (size_t i = 0; i < v->token_count; i++)
        bb_u32(&w->kv, (uint32_t)(v->token_types ? v->token_types[i] : TOK_TYPE_NORMAL));
    gw_str_array(w, "tokenizer.ggml.merges", v->merges, v->merge_lengths, v->merge_count);
    gw_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos_id);
    gw_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos_id);
    if (add_bos >= 0)
        gw_bool(w, "tokenizer.ggml.add_bos_token", add_bos > 0);
}

void gw_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *dims,
               const void *data, size_t n_bytes)
{
    static const uint8_t zeros[64];
    bb_str(&w->info, name);
    bb_u32(&w->info, n_dims);
    for (uint32_t d = 0; d < n_dims; d++)
        bb_u64(&w->info, dims[d]);
    bb_u32(&w->info, type);
    bb_u64(&w->info, w->data.size);
    bb_put(&w->data, data, n_bytes);
    while (w->data.size % w->alignment)
        bb_put(&w->data, zeros, 1);
    w->n_tensors++;
}

void gw_finish(gguf_writer *w, byte_buf *out)
{
    static const uint8_t zero = 0;
    memset(out, 0, sizeof *out);
    bb_put(out, "GGUF", 4);
    bb_u32(out, w->version);
    bb_u64(out, w->n_tensors);
    bb_u64(out, w->n_kv);
    bb_put(out, w->kv.data, w->kv.size);
    bb_put(out, w->info.data, w->info.size);
    while (out->size % w->alignment)
        bb_put(out, &zero, 1);
    bb_put(out, w->data.data, w->data.size);
    bb_free(&w->kv);
    bb_free(&w->info);
    bb_free(&w->data);
}

void sw_init(st_writer *w) { memset(w, 0, sizeof *w); }

void sw_tensor(st_writer *w, const char *name, const char *dtype, uint32_t n_dims, const uint64_t *shape,
               const void *data, size_t n_bytes)
{
    char text[512];
    int len = snprintf(text, sizeof text, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", w->n ? "," : "", name, dtype);
    for (uint32_t d = 0; d < n_dims; d++)
        len += snprintf(text + len, sizeof text - (size_t)len, "%s%llu", d ? "," : "", (unsigned long long)shape[d]);
    snprintf(text + len, sizeof text - (size_t)len, "],\"data_offsets\":[%zu,%zu]}", w->data.size,
             w->data.size + n_bytes);
    bb_put(&w->header, text, strlen(text));
    bb_put(&w->data, data, n_bytes);
    w->n++;
}

void sw_finish(st_writer *w, byte_buf *out)
{
    memset(out, 0, sizeof *out);
    const char *meta = "{\"__metadata__\":{\"format\":\"pt\"}";
    size_t header_len = strlen(meta) + (w->n ? 1 : 0) + w->header.size + 1;
    bb_u64(out, header_len);
    bb_put(out, meta, strlen(meta));
    if (w->n)
        bb_put(out, ",", 1);
    bb_put(out, w->header.data, w->header.size);
    bb_put(out, "}", 1);
    bb_put(out, w->data.data, w->data.size);
    bb_free(&w->header);
    bb_free(&w->data);
}

void tiny_model_default(tiny_model *m)
{
    *m = (tiny_model){.D = 136, .L = 2, .H = 2, .r_q = 40, .r_kv = 32, .d_n = 16, .d_r = 8, .d_v = 12, .E = 4,
                      .k = 2, .S = 1, .F = 200, .F_e = 24, .n_dense = 1, .vocab = 40, .ctx = 256, .seed = 1};
}

static void add(tiny_tensor *out, uint32_t cap, uint32_t *n, int layer, const char *name, uint32_t n_dims,
                uint64_t d0, uint64_t d1, uint64_t d2)
{
    if (*n >= cap)
        return;
    tiny_tensor *t = &out[(*n)++];
    if (layer < 0)
        snprintf(t->name, sizeof t->name, "%s", name);
    else
        snprintf(t->name, sizeof t->name, "blk.%d.%s", layer, name);
    t->n_dims = n_dims;
    t->dims[0] = d0;
    t->dims[1] = d1;
    t->dims[2] = d2;
    t->expert = strstr(name, "_exps") != NULL;
}

uint32_t tiny_tensors(const tiny_model *m, tiny_tensor *out, uint32_t cap)
{
    uint32_t n = 0;
    uint64_t qk = m->d_n + m->d_r;
    add(out, cap, &n, -1, "token_embd.weight", 2, m->D, m->vocab, 1);
    for (int i = 0; i < (int)m->L; i++) {
        add(out, cap, &n, i, "attn_norm.weight", 1, m->D, 1, 1);
        if (m->r_q) {
            add(out, cap, &n, i, "attn_q_a.weight", 2, m->D, m->r_q, 1);
            add(out, cap, &n, i, "attn_q_a_norm.weight", 1, m->r_q, 1, 1);
            add(out, cap, &n, i, "attn_q_b.weight", 2, m->r_q, m->H * qk, 1);
        } else {
            add(out, cap, &n, i, "attn_q.weight", 2, m->D, m->H * qk, 1);
        }
        add(out, cap, &n, i, "attn_kv_a_mqa.weight", 2, m->D, m->r_kv + m->d_r, 1);
        add(out, cap, &n, i, "attn_kv_a_norm.weight", 1, m->r_kv, 1, 1);
        if (m->split_kv_b) {
            add(out, cap, &n, i, "attn_k_b.weight", 3, m->d_n, m->r_kv, m->H);
            add(out, cap, &n, i, "attn_v_b.weight", 3, m->r_kv, m->d_v, m->H);
        } else {
            add(out, cap, &n, i, "attn_kv_b.weight", 2, m->r_kv, m->H * (m->d_n + m->d_v), 1);
        }
        add(out, cap, &n, i, "attn_output.weight", 2, m->H * m->d_v, m->D, 1);
        add(out, cap, &n, i, "ffn_norm.weight", 1, m->D, 1, 1);
        if ((uint32_t)i < m->n_dense) {
            add(out, cap, &n, i, "ffn_gate.weight", 2, m->D, m->F, 1);
            add(out, cap, &n, i, "ffn_up.weight", 2, m->D, m->F, 1);
            add(out, cap, &n, i, "ffn_down.weight", 2, m->F, m->D, 1);
            continue;
        }
        add(out, cap, &n, i, "ffn_gate_inp.weight", 2, m->D, m->E, 1);
        if (m->v3)
            add(out, cap, &n, i, "exp_probs_b.bias", 1, m->E, 1, 1);
        add(out, cap, &n, i, "ffn_gate_exps.weight", 3, m->D, m->F_e, m->E);
        add(out, cap, &n, i, "ffn_up_exps.weight", 3, m->D, m->F_e, m->E);
        add(out, cap, &n, i, "ffn_down_exps.weight", 3, m->F_e, m->D, m->E);
        add(out, cap, &n, i, "ffn_gate_shexp.weight", 2, m->D, (uint64_t)m->S * m->F_e, 1);
        add(out, cap, &n, i, "ffn_up_shexp.weight", 2, m->D, (uint64_t)m->S * m->F_e, 1);
        add(out, cap, &n, i, "ffn_down_shexp.weight", 2, (uint64_t)m->S * m->F_e, m->D, 1);
    }
    add(out, cap, &n, -1, "output_norm.weight", 1, m->D, 1, 1);
    add(out, cap, &n, -1, "output.weight", 2, m->D, m->vocab, 1);
    return n;
}

static uint64_t name_hash(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* Values of a tensor, reproducible from its name and the seed, so both formats carry the same weights. */
static float *tiny_values(const tiny_model *m, const tiny_tensor *t, uint64_t n)
{
    test_rng rng = {name_hash(t->name, m->seed)};
    float *v = malloc(n * sizeof *v);
    test_rng_fill(&rng, v, n, -1.0f, 1.0f);
    return v;
}

static void write_gguf_keys(const tiny_model *m, gguf_writer *w)
{
    const struct {
        const char *key;
        uint32_t value;
    } u32s[] = {
        {"deepseek2.context_length", m->ctx}, {"deepseek2.embedding_length", m->D},
        {"deepseek2.block_count", m->L}, {"deepseek2.feed_forward_length", m->F},
        {"deepseek2.attention.head_count", m->H}, {"deepseek2.attention.head_count_kv", 1},
        {"deepseek2.attention.q_lora_rank", m->r_q}, {"deepseek2.attention.kv_lora_rank", m->r_kv},
        {"deepseek2.attention.key_length", m->r_kv + m->d_r}, {"deepseek2.attention.value_length", m->r_kv},
        {"deepseek2.attention.key_length_mla", m->d_n + m->d_r}, {"deepseek2.attention.value_length_mla", m->d_v},
        {"deepseek2.rope.dimension_count", m->d_r}, {"deepseek2.expert_count", m->E},
        {"deepseek2.expert_used_count", m->k}, {"deepseek2.expert_shared_count", m->S},
        {"deepseek2.expert_feed_forward_length", m->F_e}, {"deepseek2.leading_dense_block_count", m->n_dense},
        {"tokenizer.ggml.bos_token_id", 0}, {"tokenizer.ggml.eos_token_id", 1},
    };
    gw_str(w, "general.architecture", "deepseek2");
    for (size_t i = 0; i < sizeof u32s / sizeof u32s[0]; i++)
        if (!(m->omit_key && strcmp(m->omit_key, u32s[i].key) == 0) &&
            /* the converter omits the key without q-LoRA, and llama.cpp accepts that only for 26 or 27 blocks */
            !(m->r_q == 0 && (m->L == 26 || m->L == 27) && strstr(u32s[i].key, "q_lora_rank")))
            gw_u32(w, u32s[i].key, u32s[i].value);
    gw_f32(w, "deepseek2.attention.layer_norm_rms_epsilon", 1e-6f);
    gw_f32(w, "deepseek2.rope.freq_base", 10000.0f);
    gw_str(w, "deepseek2.rope.scaling.type", "yarn");
    gw_f32(w, "deepseek2.rope.scaling.factor", 40.0f);
    gw_u32(w, "deepseek2.rope.scaling.original_context_length", 64);
    gw_f32(w, "deepseek2.rope.scaling.yarn_log_multiplier", 0.0707f);
    if (m->v3) {
        gw_u32(w, "deepseek2.expert_gating_func", 2);
        gw_bool(w, "deepseek2.expert_weights_norm", true);
        gw_f32(w, "deepseek2.expert_weights_scale", 2.5f);
        gw_u32(w, "deepseek2.expert_group_count", 2);
        gw_u32(w, "deepseek2.expert_group_used_count", 1);
    }
    if (m->extra_key && m->extra_f32 != 0.0f)
        gw_f32(w, m->extra_key, m->extra_f32);
    else if (m->extra_key)
        gw_u32(w, m->extra_key, m->extra_value);
    gw_key(w, "tokenizer.ggml.tokens", 9);
    bb_u32(&w->kv, 8);
    bb_u64(&w->kv, m->vocab);
    for (uint32_t i = 0; i < m->vocab; i++) {
        char token[16];
        snprintf(token, sizeof token, "t%u", i);
        bb_str(&w->kv, token);
    }
}

/* Encodes values in the GGUF type (0 f32, 1 f16, 30 bf16); returns the byte count. */
static size_t encode(const float *v, uint64_t n, uint32_t type, uint8_t **out)
{
    size_t size = type == 0 ? 4 : 2;
    uint8_t *bytes = malloc(n * size);
    for (uint64_t i = 0; i < n; i++) {
        uint16_t h = type == 1 ? mlavk_f32_to_f16(v[i]) : mlavk_f32_to_bf16(v[i]);
        if (type == 0)
            memcpy(bytes + 4 * i, &v[i], 4);
        else
            memcpy(bytes + 2 * i, &h, 2);
    }
    *out = bytes;
    return n * size;
}

void tiny_build_gguf(const tiny_model *m, byte_buf *out)
{
    gguf_writer w;
    gw_init(&w);
    write_gguf_keys(m, &w);
    tiny_tensor tensors[64];
    uint32_t n = tiny_tensors(m, tensors, 64);
    for (uint32_t i = 0; i < n; i++) {
        tiny_tensor t = tensors[i];
        if (m->omit_tensor && strcmp(m->omit_tensor, t.name) == 0)
            continue;
        if (m->misshape && strcmp(m->misshape, t.name) == 0)
            t.dims[0] += 1;
        uint64_t count = t.dims[0] * t.dims[1] * t.dims[2];
        uint32_t type = t.n_dims == 1 || strstr(t.name, "gate_inp") ? 0 : m->weight_type;
        if (m->odd_type && strcmp(t.name, m->odd_type_tensor) == 0)
            type = m->odd_type;
        float *v = tiny_values(m, &t, count);
        uint8_t *bytes;
        size_t n_bytes = encode(v, count, type == 0 || type == 1 || type == 30 ? type : 0, &bytes);
        if (type != 0 && type != 1 && type != 30) /* other types (32-element blocks): any bytes of the right size */
            n_bytes = count / 32 * (type == 9 ? 36 : 22);
        gw_tensor(&w, t.name, type, t.n_dims, t.dims, bytes, n_bytes);
        free(bytes);
        free(v);
    }
    if (m->extra_tensor) {
        float *zeros = calloc(m->D, sizeof *zeros);
        uint64_t dims[1] = {m->D};
        gw_tensor(&w, m->extra_tensor, 0, 1, dims, zeros, m->D * sizeof *zeros);
        free(zeros);
    }
    gw_finish(&w, out);
}

bool tiny_write_gguf(const tiny_model *m, const char *path)
{
    byte_buf file;
    tiny_build_gguf(m, &file);
    bool ok = bb_write_file(file.data, file.size, path);
    bb_free(&file);
    return ok;
}

bool tiny_write_gguf_sparse(const tiny_model *m, const char *path, uint32_t quant_type)
{
    gguf_writer w;
    gw_init(&w);
    write_gguf_keys(m, &w);
    uint32_t cap = 32 * m->L + 8;
    tiny_tensor *tensors = malloc(cap * sizeof *tensors);
    uint32_t n = tiny_tensors(m, tensors, cap);
    uint64_t offset = 0;
    for (uint32_t i = 0; i < n; i++) {
        const tiny_tensor *t = &tensors[i];
        bool plain = t->n_dims == 1 || strstr(t->name, "gate_inp");
        uint32_t type = plain ? 0 : quant_type;
        uint64_t count = t->dims[0] * t->dims[1] * t->dims[2];
        uint64_t bytes = plain ? count * 4 : count / 32 * (quant_type == 2 ? 18 : 34); /* q4_0 or q8_0 */
        bb_str(&w.info, t->name);
        bb_u32(&w.info, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++)
            bb_u64(&w.info, t->dims[d]);
        bb_u32(&w.info, type);
        bb_u64(&w.info, offset);
        w.n_tensors++;
        offset += (bytes + 31) / 32 * 32;
    }
    free(tensors);
    byte_buf header;
    gw_finish(&w, &header);
    bool ok = bb_write_file(header.data, header.size, path) && truncate(path, (off_t)(header.size + offset)) == 0;
    bb_free(&header);
    return ok;
}
