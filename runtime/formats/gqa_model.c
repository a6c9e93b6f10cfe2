/* The GQA reader's shared half: the tensors a configuration calls for, their shape checks and decoding, the
 * undoing of llama.cpp's Q/K row permutation, and the entry points. */
#include "formats/gqa_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/dequant.h"
#include "formats/ggml_type.h"
#include "formats/gqa_model_internal.h"
#include "util/status.h"

/* Beyond any real model; keeps the tensor list and the products below far from overflow. */
#define MAX_LAYERS 4096u
#define MAX_DIM (1u << 20)

mlavk_status gqa_check_config(const gqa_config *c, const char *name)
{
    if (!c->n_embd || !c->n_layer || !c->n_head || !c->n_head_kv || !c->head_dim || !c->n_ff || !c->n_vocab)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: a model size is zero (embedding %u, blocks %u, heads %u/%u, head "
                          "dim %u, feed-forward %u, vocab %u)", name, c->n_embd, c->n_layer, c->n_head,
                          c->n_head_kv, c->head_dim, c->n_ff, c->n_vocab);
    if (c->n_layer > MAX_LAYERS || c->n_embd > MAX_DIM || c->n_head > MAX_DIM || c->head_dim > MAX_DIM ||
        c->n_ff > MAX_DIM * 4 || (uint64_t)c->n_head * c->head_dim > MAX_DIM)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: model sizes past any real model (%u blocks, embedding %u, %u heads "
                          "of %u, feed-forward %u)", name, c->n_layer, c->n_embd, c->n_head, c->head_dim, c->n_ff);
    if (c->n_head % c->n_head_kv != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %u query heads are not a multiple of %u key/value heads", name,
                          c->n_head, c->n_head_kv);
    if (c->head_dim % 2 != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: head dimension %u is odd (RoPE rotates pairs)", name, c->head_dim);
    if (!(c->rms_norm_eps > 0.0f) || !isfinite(c->rms_norm_eps) || !(c->rope_freq_base > 0.0f) ||
        !isfinite(c->rope_freq_base))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: RMS norm epsilon %g or RoPE base %g is not positive", name,
                          (double)c->rms_norm_eps, (double)c->rope_freq_base);
    return MLAVK_OK;
}

static void add_slot(gqa_slots *s, float **dst, uint64_t rows, uint64_t cols, uint32_t rope_heads, bool optional,
                     const char *fmt, int layer)
{
    gqa_slot *slot = &s->slots[s->count++];
    *slot = (gqa_slot){.dst = dst, .rows = rows, .cols = cols, .rope_heads = rope_heads, .optional = optional};
    snprintf(slot->name, sizeof slot->name, fmt, layer);
}

mlavk_status gqa_slots_make(gqa_model *m, const char *name, gqa_slots *out)
{
    const gqa_config *c = &m->config;
    uint64_t D = c->n_embd, q = (uint64_t)c->n_head * c->head_dim, kv = (uint64_t)c->n_head_kv * c->head_dim;
    out->count = 0;
    if (!(out->slots = calloc(4 + 12 * (size_t)c->n_layer, sizeof *out->slots)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    add_slot(out, &m->token_embd, c->n_vocab, D, 0, false, "token_embd.weight", 0);
    add_slot(out, &m->output_norm, 0, D, 0, false, "output_norm.weight", 0);
    add_slot(out, &m->output, c->n_vocab, D, 0, true, "output.weight", 0);
    if (c->arch == GQA_ARCH_LLAMA) /* llama.cpp's qwen2 has no rope_freqs: a file with one it refuses */
        add_slot(out, &m->rope_freq_factors, 0, c->head_dim / 2, 0, true, "rope_freqs.weight", 0);
    for (uint32_t i = 0; i < c->n_layer; i++) {
        gqa_layer *l = &m->layers[i];
        int b = (int)i;
        add_slot(out, &l->attn_norm, 0, D, 0, false, "blk.%d.attn_norm.weight", b);
        add_slot(out, &l->wq, q, D, c->n_head, false, "blk.%d.attn_q.weight", b);
        add_slot(out, &l->wk, kv, D, c->n_head_kv, false, "blk.%d.attn_k.weight", b);
        add_slot(out, &l->wv, kv, D, 0, false, "blk.%d.attn_v.weight", b);
        add_slot(out, &l->bq, 0, q, c->n_head, !c->qkv_bias, "blk.%d.attn_q.bias", b);
        add_slot(out, &l->bk, 0, kv, c->n_head_kv, !c->qkv_bias, "blk.%d.attn_k.bias", b);
        add_slot(out, &l->bv, 0, kv, 0, !c->qkv_bias, "blk.%d.attn_v.bias", b);
        add_slot(out, &l->wo, D, q, 0, false, "blk.%d.attn_output.weight", b);
        add_slot(out, &l->ffn_norm, 0, D, 0, false, "blk.%d.ffn_norm.weight", b);
        add_slot(out, &l->ffn_gate, c->n_ff, D, 0, false, "blk.%d.ffn_gate.weight", b);
        add_slot(out, &l->ffn_up, c->n_ff, D, 0, false, "blk.%d.ffn_up.weight", b);
        add_slot(out, &l->ffn_down, D, c->n_ff, 0, false, "blk.%d.ffn_down.weight", b);
    }
    return MLAVK_OK;
}

gqa_slot *gqa_slots_find(const gqa_slots *s, const char *name)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (strcmp(s->slots[i].name, name) == 0)
            return &s->slots[i];
    return NULL;
}

static void shape_text(uint64_t rows, uint64_t cols, char *out, size_t cap)
{
    if (rows)
        snprintf(out, cap, "[%llu, %llu]", (unsigned long long)rows, (unsigned long long)cols);
    else
        snprintf(out, cap, "[%llu]", (unsigned long long)cols);
}

mlavk_status gqa_slots_finish(gqa_model *m, const gqa_slots *s, const char *name)
{
    uint32_t biases = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        const gqa_slot *slot = &s->slots[i];
        if (!slot->found && !slot->optional) {
            char want[64];
            shape_text(slot->rows, slot->cols, want, sizeof want);
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tensor '%s' (expected shape %s)", name, slot->name, want);
        }
        biases += slot->found && strstr(slot->name, ".bias") != NULL;
    }
    if (biases != 0 && biases != 3 * m->config.n_layer)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %u of the %u q/k/v bias tensors are present (all or none)", name,
                          biases, 3 * m->config.n_layer);
    m->config.qkv_bias = biases != 0;
    m->config.tied_embeddings = m->output == NULL;
    return MLAVK_OK;
}

void gqa_slots_free(gqa_slots *s)
{
    free(s->slots);
    s->slots = NULL;
    s->count = 0;
}

mlavk_status gqa_slot_check_shape(const gqa_slot *slot, uint32_t n_dims, const uint64_t *shape, const char *file)
{
    bool ok = slot->rows ? n_dims == 2 && shape[0] == slot->rows && shape[1] == slot->cols
                         : n_dims == 1 && shape[0] == slot->cols;
    if (ok)
        return MLAVK_OK;
    char got[96] = "[", want[64];
    for (uint32_t d = 0; d < n_dims && d < 4; d++) {
        size_t used = strlen(got);
        snprintf(got + used, sizeof got - used, "%s%llu", d ? ", " : "", (unsigned long long)shape[d]);
    }
    strcat(got, "]");
    shape_text(slot->rows, slot->cols, want, sizeof want);
    return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has shape %s, the hyperparameters give %s", file,
                      slot->name, got, want);
}

mlavk_status gqa_slot_decode(gqa_slot *slot, uint32_t type, const void *data, const char *file)
{
    const ggml_type_traits *t = ggml_type_get(type);
    if (slot->found)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' appears twice", file, slot->name);
    if (t && slot->cols % t->block_elems != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' rows of %llu elements are not a multiple of the %s block "
                          "size %u", file, slot->name, (unsigned long long)slot->cols, t->name, t->block_elems);
    uint64_t n = (slot->rows ? slot->rows : 1) * slot->cols;
    float *values = malloc(n * sizeof *values);
    if (!values)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for tensor '%s'", file, slot->name);
    char what[512];
    snprintf(what, sizeof what, "%s: tensor '%s'", file, slot->name);
    mlavk_status status = dequantize_to_f32(type, data, values, n, what);
    if (status != MLAVK_OK) {
        free(values);
        return status;
    }
    *slot->dst = values;
    slot->found = true;
    return MLAVK_OK;
}

mlavk_status gqa_unpermute_rows(float *rows, uint32_t n_heads, uint32_t head_dim, uint64_t cols, const char *name)
{
    uint32_t half = head_dim / 2;
    float *head = malloc((size_t)head_dim * cols * sizeof *head);
    if (!head)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    for (uint32_t h = 0; h < n_heads; h++) {
        float *base = rows + (size_t)h * head_dim * cols;
        memcpy(head, base, (size_t)head_dim * cols * sizeof *head);
        for (uint32_t i = 0; i < half; i++)
            for (uint32_t j = 0; j < 2; j++)
                memcpy(base + ((size_t)j * half + i) * cols, head + (2 * (size_t)i + j) * cols, cols * sizeof *head);
    }
    free(head);
    return MLAVK_OK;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

mlavk_status gqa_model_open(const char *path, gqa_model **out)
{
    *out = NULL;
    gqa_model *m = calloc(1, sizeof *m);
    if (!m)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    m->config.bos_token_id = m->config.eos_token_id = -1;
    mlavk_status status = is_directory(path) ? gqa_open_hf(path, m) : gqa_open_gguf(path, m);
    if (status != MLAVK_OK) {
        gqa_model_free(m);
        return status;
    }
    *out = m;
    return MLAVK_OK;
}

static void free_layer(gqa_layer *l)
{
    float *arrays[] = {l->attn_norm, l->wq, l->wk, l->wv, l->bq, l->bk, l->bv, l->wo, l->ffn_norm, l->ffn_gate,
                       l->ffn_up, l->ffn_down};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        free(arrays[i]);
}

void gqa_model_free(gqa_model *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; m->layers && i < m->config.n_layer; i++)
        free_layer(&m->layers[i]);
    free(m->layers);
    free(m->token_embd);
    free(m->output_norm);
    free(m->output);
    free(m->rope_freq_factors);
    gguf_close(m->gguf);
    free(m->tokenizer_json);
    free(m->tokenizer_config_json);
    free(m);
}

bool gqa_model_is_gqa(const char *path)
{
    if (is_directory(path))
        return gqa_hf_dir_is_gqa(path);
    gguf_file *g;
    if (gguf_open(path, &g) != MLAVK_OK)
        return false;
    gqa_arch arch;
    bool gqa = gqa_gguf_arch(g, &arch);
    gguf_close(g);
    return gqa;
}
