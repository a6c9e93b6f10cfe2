#include "formats/tensor_source.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ggml_type.h"
#include "util/half.h"
#include "util/status.h"

#define FP8_BLOCK 128

struct tensor_source_set {
    char *name;
    tensor_source *items;
    uint32_t count, cap;
    tensor_source **sorted;
};

mlavk_status tensor_sources_create(const char *name, tensor_source_set **out)
{
    tensor_source_set *set = calloc(1, sizeof *set);
    if (!set || !(set->name = strdup(name))) {
        free(set);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    }
    *out = set;
    return MLAVK_OK;
}

void tensor_sources_free(tensor_source_set *set)
{
    if (!set)
        return;
    for (uint32_t i = 0; i < set->count; i++)
        free(set->items[i].pieces);
    free(set->items);
    free(set->sorted);
    free(set->name);
    free(set);
}

static int compare_name(const void *a, const void *b)
{
    return strcmp((*(tensor_source *const *)a)->name, (*(tensor_source *const *)b)->name);
}

mlavk_status tensor_sources_add(tensor_source_set *set, const tensor_source *src)
{
    if (set->count == set->cap) {
        uint32_t cap = set->cap ? set->cap * 2 : 64;
        tensor_source *items = realloc(set->items, (size_t)cap * sizeof *items);
        if (!items) {
            free(src->pieces);
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for tensor sources", set->name);
        }
        set->items = items;
        set->cap = cap;
    }
    set->items[set->count++] = *src;
    return MLAVK_OK;
}

mlavk_status tensor_sources_seal(tensor_source_set *set)
{
    free(set->sorted);
    set->sorted = malloc((set->count ? set->count : 1) * sizeof *set->sorted);
    if (!set->sorted)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for tensor sources", set->name);
    for (uint32_t i = 0; i < set->count; i++)
        set->sorted[i] = &set->items[i];
    qsort(set->sorted, set->count, sizeof *set->sorted, compare_name);
    for (uint32_t i = 1; i < set->count; i++)
        if (strcmp(set->sorted[i - 1]->name, set->sorted[i]->name) == 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' appears twice", set->name, set->sorted[i]->name);
    return MLAVK_OK;
}

uint32_t tensor_sources_count(const tensor_source_set *set) { return set->count; }

const tensor_source *tensor_sources_at(const tensor_source_set *set, uint32_t index)
{
    return index < set->count ? &set->items[index] : NULL;
}

const tensor_source *tensor_sources_find(const tensor_source_set *set, const char *name)
{
    tensor_source probe;
    if (!set->sorted || strlen(name) >= sizeof probe.name)
        return NULL;
    snprintf(probe.name, sizeof probe.name, "%s", name);
    const tensor_source *probe_ptr = &probe;
    tensor_source **hit = bsearch(&probe_ptr, set->sorted, set->count, sizeof *set->sorted, compare_name);
    return hit ? *hit : NULL;
}

mlavk_status tensor_sources_from_gguf(const gguf_file *g, tensor_source_set **out)
{
    tensor_source_set *set;
    MLAVK_TRY(tensor_sources_create(gguf_name(g), &set));
    for (uint64_t i = 0; i < gguf_tensor_count(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        if (strlen(t->name) >= sizeof ((tensor_source *)0)->name)
            continue; /* longer than any name the model uses */
        tensor_source src = {.type = t->type, .n_dims = t->n_dims, .n_elements = t->n_elements,
                             .n_bytes = t->n_bytes, .n_pieces = 1};
        snprintf(src.name, sizeof src.name, "%s", t->name);
        memcpy(src.dims, t->dims, sizeof src.dims);
        src.pieces = calloc(1, sizeof *src.pieces);
        mlavk_status status = src.pieces ? MLAVK_OK
                                         : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", gguf_name(g));
        if (status == MLAVK_OK) {
            src.pieces[0] = (tensor_piece){.kind = TENSOR_PIECE_RAW, .data = t->data, .n_bytes = t->n_bytes};
            status = tensor_sources_add(set, &src);
        }
        if (status != MLAVK_OK) {
            tensor_sources_free(set);
            return status;
        }
    }
    mlavk_status status = tensor_sources_seal(set);
    if (status != MLAVK_OK) {
        tensor_sources_free(set);
        return status;
    }
    *out = set;
    return MLAVK_OK;
}

float fp8_e4m3_to_f32(uint8_t bits)
{
    float sign = (bits & 0x80u) ? -1.0f : 1.0f;
    unsigned exponent = (bits >> 3) & 0xfu, mantissa = bits & 0x7u;
    if (exponent == 0xfu && mantissa == 0x7u)
        return NAN;
    if (exponent == 0)
        return sign * ldexpf((float)mantissa, -9); /* subnormal: mantissa/8 * 2^-6 */
    return sign * ldexpf(1.0f + (float)mantissa / 8.0f, (int)exponent - 7);
}

static void read_fp8_piece(const tensor_piece *p, uint16_t *dst)
{
    const uint8_t *w = p->data;
    uint64_t scale_cols = (p->cols + FP8_BLOCK - 1) / FP8_BLOCK;
    for (uint64_t r = 0; r < p->rows; r++) {
        for (uint64_t c = 0; c < p->cols; c++) {
            float scale;
            memcpy(&scale, (const uint8_t *)p->scales + 4 * ((r / FP8_BLOCK) * scale_cols + c / FP8_BLOCK), 4);
            dst[r * p->cols + c] = mlavk_f32_to_bf16(fp8_e4m3_to_f32(w[r * p->cols + c]) * scale);
        }
    }
}

mlavk_status tensor_source_read(const tensor_source *src, void *dst, uint64_t dst_size)
{
    if (dst_size < src->n_bytes)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: destination of %llu bytes is smaller than the %llu needed",
                          src->name, (unsigned long long)dst_size, (unsigned long long)src->n_bytes);
    uint8_t *out = dst;
    uint64_t written = 0;
    for (uint32_t i = 0; i < src->n_pieces; i++) {
        const tensor_piece *p = &src->pieces[i];
        uint64_t produced = p->kind == TENSOR_PIECE_RAW ? p->n_bytes : p->rows * p->cols * 2;
        if (produced > src->n_bytes - written)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: pieces hold more than the tensor's %llu bytes", src->name,
                              (unsigned long long)src->n_bytes);
        if (p->kind == TENSOR_PIECE_RAW)
            memcpy(out + written, p->data, p->n_bytes);
        else
            read_fp8_piece(p, (uint16_t *)(void *)(out + written));
        written += produced;
    }
    if (written != src->n_bytes)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: pieces hold %llu of the tensor's %llu bytes", src->name,
                          (unsigned long long)written, (unsigned long long)src->n_bytes);
    return MLAVK_OK;
}

static bool same_dims(const tensor_source *src, const deepseek_tensor_spec *spec)
{
    if (src->n_dims != spec->n_dims)
        return false;
    for (uint32_t d = 0; d < spec->n_dims; d++)
        if (src->dims[d] != spec->dims[d])
            return false;
    return true;
}

/* The first tensor of the set that the manifest does not name, or NULL. */
static const tensor_source *first_unknown(const tensor_source_set *set, const deepseek_tensor_spec *specs,
                                          uint32_t count)
{
    uint32_t known = 0;
    for (uint32_t i = 0; i < count; i++)
        known += tensor_sources_find(set, specs[i].name) != NULL;
    if (known == set->count)
        return NULL;
    for (uint32_t i = 0; i < set->count; i++) {
        bool found = false;
        for (uint32_t j = 0; j < count && !found; j++)
            found = strcmp(set->items[i].name, specs[j].name) == 0;
        if (!found)
            return &set->items[i];
    }
    return NULL;
}

mlavk_status tensor_sources_check_manifest(const tensor_source_set *set, const deepseek_config *config,
                                           const char *name, deepseek_kv_b_form *form)
{
    *form = tensor_sources_find(set, "blk.0.attn_kv_b.weight") || !tensor_sources_find(set, "blk.0.attn_k_b.weight")
                ? DEEPSEEK_KV_B_LEGACY
                : DEEPSEEK_KV_B_SPLIT;
    if (config->n_nextn_layers && !tensor_sources_find(set, "blk.0.attn_norm.weight"))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: an MTP-only file (no blk.0.attn_norm.weight): it holds no main model",
                          name);
    /* As llama.cpp: without blk.L.nextn.eh_proj the file holds the main model only, and the MTP tensors that are
     * there are checked but none is required. */
    char probe[64];
    snprintf(probe, sizeof probe, "blk.%u.nextn.eh_proj.weight", config->n_layer);
    bool trunk_only = config->n_nextn_layers && !tensor_sources_find(set, probe);
    deepseek_tensor_spec *specs;
    uint32_t count;
    MLAVK_TRY(deepseek_manifest(config, *form, &specs, &count));
    mlavk_status status = MLAVK_OK;
    for (uint32_t i = 0; i < count && status == MLAVK_OK; i++) {
        const tensor_source *src = tensor_sources_find(set, specs[i].name);
        char want[96], got[96];
        deepseek_format_dims(want, sizeof want, specs[i].n_dims, specs[i].dims);
        if (!src && !specs[i].optional && !(specs[i].mtp && trunk_only))
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tensor '%s' (expected shape %s)", name,
                                specs[i].name, want);
        else if (src && !same_dims(src, &specs[i])) {
            deepseek_format_dims(got, sizeof got, src->n_dims, src->dims);
            bool from_hf = src->origin != NULL;
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s'%s%s%s has shape %s, the hyperparameters give %s",
                                name, specs[i].name, from_hf ? " (" : "", from_hf ? src->origin : "",
                                from_hf ? ")" : "", got, want);
        }
    }
    const tensor_source *unknown = status == MLAVK_OK ? first_unknown(set, specs, count) : NULL;
    if (unknown)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' is not part of a deepseek2 model with these "
                            "hyperparameters (%u blocks, %u MTP blocks); mlavk does not know what it is", name,
                            unknown->name, config->n_layer, config->n_nextn_layers);
    free(specs);
    return status;
}

mlavk_status tensor_sources_check_runnable(const tensor_source_set *set, const char *name)
{
    for (uint32_t i = 0; i < set->count; i++) {
        const ggml_type_traits *traits = ggml_type_get(set->items[i].type);
        if (!traits || !ggml_type_runnable(set->items[i].type))
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tensor '%s' has type %s, which mlavk cannot run", name,
                              set->items[i].name, traits ? traits->name : "unknown");
    }
    return MLAVK_OK;
}
