/* GQA models from GGUF files of llama.cpp's `llama` and `qwen2` architectures, read as llama.cpp's loader reads
 * them (src/llama-model.cpp): its defaults for absent keys, no output.weight = tied embeddings, rope_freqs as
 * per-pair frequency factors. Keys that could change the math and are not implemented are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/gqa_model_internal.h"
#include "util/status.h"

static const char *const arch_names[] = {[GQA_ARCH_LLAMA] = "llama", [GQA_ARCH_QWEN2] = "qwen2"};

bool gqa_gguf_arch(const gguf_file *g, gqa_arch *arch)
{
    const gguf_value *v = gguf_find(g, "general.architecture");
    for (int a = GQA_ARCH_LLAMA; v && v->type == GGUF_TYPE_STRING && a <= GQA_ARCH_QWEN2; a++)
        if (gguf_string_equals(v->as.str, arch_names[a])) {
            *arch = (gqa_arch)a;
            return true;
        }
    return false;
}

/* A file's string for a message: at most cap - 1 bytes, control characters as '?'. */
static void printable(gguf_string s, char *out, size_t cap)
{
    size_t n = 0;
    for (; n < s.len && n + 1 < cap; n++)
        out[n] = (uint8_t)s.data[n] < 0x20 || s.data[n] == 0x7f ? '?' : s.data[n];
    out[n] = '\0';
}

/* Every "<arch>." key the reader understands; rope.scaling.type only as "none". */
static const char *const known_keys[] = {
    "context_length", "embedding_length", "block_count", "feed_forward_length", "vocab_size",
    "attention.head_count", "attention.head_count_kv", "attention.key_length", "attention.value_length",
    "attention.layer_norm_rms_epsilon", "rope.dimension_count", "rope.freq_base", "rope.scaling.type",
};

static mlavk_status check_keys(const gguf_file *g, const char *arch)
{
    size_t prefix = strlen(arch);
    for (uint64_t i = 0; i < gguf_kv_count(g); i++) {
        const char *key = gguf_kv_at(g, i)->key;
        if (strncmp(key, arch, prefix) != 0 || key[prefix] != '.')
            continue;
        bool known = false;
        for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0] && !known; k++)
            known = strcmp(key + prefix + 1, known_keys[k]) == 0;
        if (!known) /* keys are single-line printable text (gguf.c checks) */
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: key '%.96s' is not one the GQA reader understands (it may "
                              "change the model's math)", gguf_name(g), key);
    }
    return MLAVK_OK;
}

static mlavk_status get_u32(const gguf_file *g, const char *arch, const char *key, bool required, uint32_t fallback,
                            uint32_t *out)
{
    char full[96];
    snprintf(full, sizeof full, "%s.%s", arch, key);
    *out = fallback;
    /* gguf_get_u32 names a missing required key itself. */
    return required || gguf_find(g, full) ? gguf_get_u32(g, full, out) : MLAVK_OK;
}

static mlavk_status get_f32(const gguf_file *g, const char *arch, const char *key, bool required, float fallback,
                            float *out)
{
    char full[96];
    snprintf(full, sizeof full, "%s.%s", arch, key);
    *out = fallback;
    /* gguf_get_f32 names a missing required key itself. */
    return required || gguf_find(g, full) ? gguf_get_f32(g, full, out) : MLAVK_OK;
}

static int64_t optional_id(const gguf_file *g, const char *key)
{
    int64_t id;
    return gguf_find(g, key) && gguf_get_i64(g, key, &id) == MLAVK_OK && id >= 0 ? id : -1;
}

/* RoPE: the whole head rotates (partial rotary is refused), no scaling but llama.cpp's rope_freqs factors. */
static mlavk_status read_rope(const gguf_file *g, const char *arch, gqa_config *c)
{
    uint32_t rope_dim;
    MLAVK_TRY(get_u32(g, arch, "rope.dimension_count", false, c->head_dim, &rope_dim));
    if (rope_dim != c->head_dim)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: %s.rope.dimension_count %u is not the head dimension %u "
                          "(partial rotary embeddings are not supported)", gguf_name(g), arch, rope_dim, c->head_dim);
    char key[64];
    snprintf(key, sizeof key, "%s.rope.scaling.type", arch);
    gguf_string type;
    if (gguf_find(g, key)) {
        MLAVK_TRY(gguf_get_string(g, key, &type));
        char shown[33];
        printable(type, shown, sizeof shown);
        if (!gguf_string_equals(type, "none"))
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: %s '%s' is not supported (only none)", gguf_name(g), key,
                              shown);
    }
    return get_f32(g, arch, "rope.freq_base", false, 10000.0f, &c->rope_freq_base);
}

/* vocab_size, else the token list's length, else the embedding's rows (as llama.cpp infers it). */
static mlavk_status vocab_size(const gguf_file *g, const char *arch, uint32_t *n)
{
    char key[64];
    snprintf(key, sizeof key, "%s.vocab_size", arch);
    const gguf_array *tokens;
    const gguf_tensor *embd = gguf_find_tensor(g, "token_embd.weight");
    if (gguf_find(g, key))
        return gguf_get_u32(g, key, n);
    if (gguf_find(g, "tokenizer.ggml.tokens") && gguf_get_array(g, "tokenizer.ggml.tokens", &tokens) == MLAVK_OK &&
        tokens->count <= UINT32_MAX)
        *n = (uint32_t)tokens->count;
    else if (embd && embd->n_dims == 2 && embd->dims[1] <= UINT32_MAX)
        *n = (uint32_t)embd->dims[1];
    return MLAVK_OK;
}

static mlavk_status read_config(const gguf_file *g, gqa_config *c)
{
    const char *arch = arch_names[c->arch];
    uint32_t key_length, value_length;
    MLAVK_TRY(check_keys(g, arch));
    MLAVK_TRY(get_u32(g, arch, "embedding_length", true, 0, &c->n_embd));
    MLAVK_TRY(get_u32(g, arch, "block_count", true, 0, &c->n_layer));
    MLAVK_TRY(get_u32(g, arch, "attention.head_count", true, 0, &c->n_head));
    MLAVK_TRY(get_u32(g, arch, "attention.head_count_kv", false, c->n_head, &c->n_head_kv));
    MLAVK_TRY(get_u32(g, arch, "feed_forward_length", true, 0, &c->n_ff));
    MLAVK_TRY(get_u32(g, arch, "context_length", true, 0, &c->n_ctx_train));
    MLAVK_TRY(get_f32(g, arch, "attention.layer_norm_rms_epsilon", true, 0.0f, &c->rms_norm_eps));
    uint32_t default_head = c->n_head ? c->n_embd / c->n_head : 0;
    MLAVK_TRY(get_u32(g, arch, "attention.key_length", false, default_head, &key_length));
    MLAVK_TRY(get_u32(g, arch, "attention.value_length", false, key_length, &value_length));
    if (key_length != value_length)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: key length %u differs from value length %u", gguf_name(g),
                          key_length, value_length);
    c->head_dim = key_length;
    MLAVK_TRY(read_rope(g, arch, c));
    MLAVK_TRY(vocab_size(g, arch, &c->n_vocab));
    c->bos_token_id = optional_id(g, "tokenizer.ggml.bos_token_id");
    c->eos_token_id = optional_id(g, "tokenizer.ggml.eos_token_id");
    c->qkv_bias = c->arch == GQA_ARCH_QWEN2; /* llama: optional, found out from the tensors */
    return gqa_check_config(c, gguf_name(g));
}

static mlavk_status read_tensor(gqa_model *m, const gqa_slots *slots, const gguf_tensor *t)
{
    const char *file = gguf_name(m->gguf);
    gqa_slot *slot = gqa_slots_find(slots, t->name);
    if (!slot) /* names are printable (gguf.c checks) */
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%.64s' is not part of a %s model with %u blocks; the GQA "
                          "reader does not know what it is", file, t->name, arch_names[m->config.arch],
                          m->config.n_layer);
    uint64_t shape[GGUF_MAX_DIMS];
    for (uint32_t d = 0; d < t->n_dims; d++)
        shape[d] = t->dims[t->n_dims - 1 - d]; /* ggml {in, out} is [out, in] */
    MLAVK_TRY(gqa_slot_check_shape(slot, t->n_dims, shape, file));
    MLAVK_TRY(gqa_slot_decode(slot, t->type, t->data, file));
    /* llama.cpp's converter permutes llama's Q/K rows (and biases) into adjacent RoPE pairs; qwen2's it leaves. */
    if (m->config.arch == GQA_ARCH_LLAMA && slot->rope_heads)
        return gqa_unpermute_rows(*slot->dst, slot->rope_heads, m->config.head_dim, slot->rows ? slot->cols : 1,
                                  file);
    return MLAVK_OK;
}

mlavk_status gqa_read_gguf(gqa_model *m)
{
    const char *path = gguf_name(m->gguf);
    snprintf(m->format, sizeof m->format, "GGUF v%u", gguf_version(m->gguf));
    if (!gqa_gguf_arch(m->gguf, &m->config.arch)) {
        gguf_string arch = {"", 0};
        if (gguf_find(m->gguf, "general.architecture"))
            MLAVK_TRY(gguf_get_string(m->gguf, "general.architecture", &arch));
        char shown[33];
        printable(arch, shown, sizeof shown);
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: architecture '%s' is not a GQA model the reader takes (llama, "
                          "qwen2)", path, shown);
    }
    MLAVK_TRY(read_config(m->gguf, &m->config));
    if (!(m->layers = calloc(m->config.n_layer, sizeof *m->layers)))
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    gqa_slots slots;
    mlavk_status status = gqa_slots_make(m, path, &slots);
    for (uint64_t i = 0; status == MLAVK_OK && i < gguf_tensor_count(m->gguf); i++)
        status = read_tensor(m, &slots, gguf_tensor_at(m->gguf, i));
    if (status == MLAVK_OK)
        status = gqa_slots_finish(m, &slots, path);
    gqa_slots_free(&slots);
    return status;
}

mlavk_status gqa_open_gguf(const char *path, gqa_model *m)
{
    MLAVK_TRY(gguf_open(path, &m->gguf));
    return gqa_read_gguf(m);
}
