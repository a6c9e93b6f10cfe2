#include "formats/gguf.h"

#include <stdlib.h>
#include <string.h>

#include "formats/file_map.h"
#include "formats/ggml_type.h"
#include "util/status.h"

/* Arrays nest; the limit keeps recursion bounded on hostile files. */
#define GGUF_MAX_NESTING 8
/* Smallest encodings, to refuse counts that the remaining bytes could never hold. */
#define GGUF_MIN_KV_BYTES 13     /* key length 8, one-byte key, type 4: the value adds at least 1 more */
#define GGUF_MIN_TENSOR_BYTES 25 /* name length 8, one-byte name, n_dims 4, one dim 8, type 4 ... */

struct gguf_file {
    char *name;
    file_map map;
    const uint8_t *base;
    uint64_t size;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset;
    uint64_t n_kv;
    gguf_kv *kvs;
    gguf_kv **kv_sorted;
    uint64_t n_tensors;
    gguf_tensor *tensors;
    gguf_tensor **tensor_sorted;
};

typedef struct reader {
    const gguf_file *gguf;
    uint64_t pos;
} reader;

static const char *const type_names[GGUF_TYPE_COUNT] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};

static const uint8_t type_sizes[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

const char *gguf_type_name(gguf_value_type type)
{
    return (unsigned)type < GGUF_TYPE_COUNT ? type_names[type] : "unknown";
}

static uint64_t remaining(const reader *r) { return r->gguf->size - r->pos; }

static mlavk_status read_bytes(reader *r, uint64_t n, const uint8_t **out, const char *what)
{
    if (n > remaining(r))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: truncated file: %s at offset %llu needs %llu bytes, %llu remain",
                          r->gguf->name, what, (unsigned long long)r->pos, (unsigned long long)n,
                          (unsigned long long)remaining(r));
    *out = r->gguf->base + r->pos;
    r->pos += n;
    return MLAVK_OK;
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static mlavk_status read_u32(reader *r, uint32_t *out, const char *what)
{
    const uint8_t *p = NULL;
    MLAVK_TRY(read_bytes(r, 4, &p, what));
    *out = (uint32_t)load_le(p, 4);
    return MLAVK_OK;
}

static mlavk_status read_u64(reader *r, uint64_t *out, const char *what)
{
    const uint8_t *p = NULL;
    MLAVK_TRY(read_bytes(r, 8, &p, what));
    *out = load_le(p, 8);
    return MLAVK_OK;
}

static mlavk_status read_string(reader *r, gguf_string *out, const char *what)
{
    uint64_t len;
    MLAVK_TRY(read_u64(r, &len, what));
    if (len > remaining(r))
        return mlavk_fail(MLAVK_ERR_FORMAT,
                          "%s: %s at offset %llu has length %llu, larger than the rest of the file (%llu bytes)",
                          r->gguf->name, what, (unsigned long long)(r->pos - 8), (unsigned long long)len,
                          (unsigned long long)remaining(r));
    const uint8_t *p = NULL;
    MLAVK_TRY(read_bytes(r, len, &p, what));
    out->data = (const char *)p;
    out->len = len;
    return MLAVK_OK;
}

/* Keys and tensor names appear in messages, so they must be single-line printable text. */
static mlavk_status copy_name(const reader *r, gguf_string s, const char *what, uint64_t index, char **out)
{
    if (s.len == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %s %llu is empty", r->gguf->name, what, (unsigned long long)index);
    for (uint64_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.data[i];
        if (c < 0x20 || c == 0x7f)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %s %llu contains control character 0x%02x", r->gguf->name,
                              what, (unsigned long long)index, c);
    }
    char *copy = malloc(s.len + 1);
    if (!copy)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for %s %llu", r->gguf->name, what,
                          (unsigned long long)index);
    memcpy(copy, s.data, s.len);
    copy[s.len] = '\0';
    *out = copy;
    return MLAVK_OK;
}

static void free_value(gguf_value *v)
{
    if (v->type != GGUF_TYPE_ARRAY)
        return;
    free(v->as.arr.strings);
    if (v->as.arr.items) {
        for (uint64_t i = 0; i < v->as.arr.count; i++)
            free_value(&v->as.arr.items[i]);
        free(v->as.arr.items);
    }
}

static mlavk_status read_value(reader *r, gguf_value_type type, gguf_value *out, const char *key, int depth);

static void decode_scalar(gguf_value_type type, const uint8_t *p, gguf_value *out)
{
    uint64_t bits = load_le(p, type_sizes[type]);
    out->type = type;
    switch (type) {
    case GGUF_TYPE_I8: out->as.i = (int8_t)bits; break;
    case GGUF_TYPE_I16: out->as.i = (int16_t)bits; break;
    case GGUF_TYPE_I32: out->as.i = (int32_t)bits; break;
    case GGUF_TYPE_I64: memcpy(&out->as.i, &bits, 8); break;
    case GGUF_TYPE_F32: {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, 4);
        out->as.f = f;
        break;
    }
    case GGUF_TYPE_F64: memcpy(&out->as.f, &bits, 8); break;
    default: out->as.u = bits; break;
    }
}

static mlavk_status read_scalar(reader *r, gguf_value_type type, gguf_value *out)
{
    const uint8_t *p = NULL;
    MLAVK_TRY(read_bytes(r, type_sizes[type], &p, "metadata value"));
    decode_scalar(type, p, out);
    return MLAVK_OK;
}

static mlavk_status read_array(reader *r, gguf_array *arr, const char *key, int depth)
{
    uint32_t elem_type;
    MLAVK_TRY(read_u32(r, &elem_type, "array element type"));
    if (elem_type >= GGUF_TYPE_COUNT)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' is an array of unknown metadata value type %u",
                          r->gguf->name, key, elem_type);
    arr->elem_type = (gguf_value_type)elem_type;
    MLAVK_TRY(read_u64(r, &arr->count, "array length"));
    uint64_t min_elem = elem_type == GGUF_TYPE_STRING ? 8 : elem_type == GGUF_TYPE_ARRAY ? 12 : type_sizes[elem_type];
    if (arr->count > remaining(r) / min_elem)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' claims %llu array elements, more than the rest of the file "
                          "could hold", r->gguf->name, key, (unsigned long long)arr->count);
    if (elem_type == GGUF_TYPE_STRING) {
        arr->strings = calloc(arr->count ? arr->count : 1, sizeof *arr->strings);
        if (!arr->strings)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for key '%s'", r->gguf->name, key);
        for (uint64_t i = 0; i < arr->count; i++)
            MLAVK_TRY(read_string(r, &arr->strings[i], "string array element"));
    } else if (elem_type == GGUF_TYPE_ARRAY) {
        arr->items = calloc(arr->count ? arr->count : 1, sizeof *arr->items);
        if (!arr->items)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for key '%s'", r->gguf->name, key);
        for (uint64_t i = 0; i < arr->count; i++)
            MLAVK_TRY(read_value(r, GGUF_TYPE_ARRAY, &arr->items[i], key, depth + 1));
    } else {
        MLAVK_TRY(read_bytes(r, arr->count * min_elem, &arr->raw, "array data"));
    }
    return MLAVK_OK;
}

/* On failure the caller frees out (partially filled arrays are consistent: counts cover allocated slots). */
static mlavk_status read_value(reader *r, gguf_value_type type, gguf_value *out, const char *key, int depth)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    if (type == GGUF_TYPE_STRING)
        return read_string(r, &out->as.str, "string value");
    if (type != GGUF_TYPE_ARRAY)
        return read_scalar(r, type, out);
    if (depth >= GGUF_MAX_NESTING)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' nests arrays deeper than %d levels", r->gguf->name, key,
                          GGUF_MAX_NESTING);
    return read_array(r, &out->as.arr, key, depth);
}

static int compare_kv(const void *a, const void *b)
{
    return strcmp((*(gguf_kv *const *)a)->key, (*(gguf_kv *const *)b)->key);
}

static int compare_tensor_name(const void *a, const void *b)
{
    return strcmp((*(gguf_tensor *const *)a)->name, (*(gguf_tensor *const *)b)->name);
}

static int compare_tensor_offset(const void *a, const void *b)
{
    uint64_t x = (*(gguf_tensor *const *)a)->offset, y = (*(gguf_tensor *const *)b)->offset;
    return x < y ? -1 : x > y;
}

static mlavk_status read_header(reader *r)
{
    gguf_file *g = (gguf_file *)r->gguf;
    const uint8_t *magic = NULL;
    if (g->size == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: empty file", g->name);
    MLAVK_TRY(read_bytes(r, 4, &magic, "magic"));
    if (memcmp(magic, "GGUF", 4) != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: not a GGUF file (wrong magic %02x %02x %02x %02x)", g->name,
                          magic[0], magic[1], magic[2], magic[3]);
    MLAVK_TRY(read_u32(r, &g->version, "version"));
    if ((g->version & 0xffffu) == 0 && (g->version >> 24) >= 1 && (g->version >> 24) <= 3)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: big-endian GGUF (version %u byte-swapped) is not supported",
                          g->name, g->version >> 24);
    if (g->version != 2 && g->version != 3)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: unsupported GGUF version %u", g->name, g->version);
    MLAVK_TRY(read_u64(r, &g->n_tensors, "tensor count"));
    MLAVK_TRY(read_u64(r, &g->n_kv, "metadata count"));
    if (g->n_kv > remaining(r) / GGUF_MIN_KV_BYTES)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: header claims %llu metadata pairs, more than the file could hold",
                          g->name, (unsigned long long)g->n_kv);
    if (g->n_tensors > remaining(r) / GGUF_MIN_TENSOR_BYTES)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: header claims %llu tensors, more than the file could hold", g->name,
                          (unsigned long long)g->n_tensors);
    return MLAVK_OK;
}

static mlavk_status read_metadata(reader *r)
{
    gguf_file *g = (gguf_file *)r->gguf;
    g->kvs = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kvs);
    g->kv_sorted = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv_sorted);
    if (!g->kvs || !g->kv_sorted)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for metadata", g->name);
    for (uint64_t i = 0; i < g->n_kv; i++) {
        gguf_kv *kv = &g->kvs[i];
        gguf_string key;
        uint32_t type;
        MLAVK_TRY(read_string(r, &key, "metadata key"));
        MLAVK_TRY(copy_name(r, key, "metadata key", i, (char **)&kv->key));
        MLAVK_TRY(read_u32(r, &type, "metadata value type"));
        if (type >= GGUF_TYPE_COUNT)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' has unknown metadata value type %u", g->name, kv->key,
                              type);
        MLAVK_TRY(read_value(r, (gguf_value_type)type, &kv->value, kv->key, 0));
        g->kv_sorted[i] = kv;
    }
    qsort(g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, compare_kv);
    for (uint64_t i = 1; i < g->n_kv; i++)
        if (strcmp(g->kv_sorted[i - 1]->key, g->kv_sorted[i]->key) == 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: duplicate metadata key '%s'", g->name, g->kv_sorted[i]->key);
    return MLAVK_OK;
}

static mlavk_status read_alignment(gguf_file *g)
{
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const gguf_value *v = gguf_find(g, "general.alignment");
    if (!v)
        return MLAVK_OK;
    uint64_t alignment;
    if (!gguf_value_to_u64(v, &alignment) || alignment == 0 || alignment > (1u << 30) ||
        (alignment & (alignment - 1)) != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: general.alignment is not a power of two up to 2^30", g->name);
    g->alignment = (uint32_t)alignment;
    return MLAVK_OK;
}

/* Element count and byte size, refusing products that overflow and rows that split a quantization block. */
static mlavk_status size_tensor(const gguf_file *g, gguf_tensor *t)
{
    const ggml_type_traits *traits = ggml_type_get(t->type);
    if (!traits)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has unknown type id %u", g->name, t->name, t->type);
    uint64_t n = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        if (t->dims[d] == 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has dimension %u of size 0", g->name, t->name, d);
        if (n > (uint64_t)INT64_MAX / t->dims[d])
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' dimensions overflow (their product exceeds 2^63)",
                              g->name, t->name);
        n *= t->dims[d];
    }
    if (t->dims[0] % traits->block_elems != 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' rows of %llu elements are not a multiple of the %s "
                          "block size %u", g->name, t->name, (unsigned long long)t->dims[0], traits->name,
                          traits->block_elems);
    uint64_t blocks = n / traits->block_elems;
    if (blocks > UINT64_MAX / traits->block_bytes)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' byte size overflows", g->name, t->name);
    t->n_elements = n;
    t->n_bytes = blocks * traits->block_bytes;
    return MLAVK_OK;
}

static mlavk_status read_tensor_info(reader *r, uint64_t index, gguf_tensor *t)
{
    const gguf_file *g = r->gguf;
    gguf_string name;
    MLAVK_TRY(read_string(r, &name, "tensor name"));
    MLAVK_TRY(copy_name(r, name, "tensor name", index, (char **)&t->name));
    MLAVK_TRY(read_u32(r, &t->n_dims, "tensor dimension count"));
    if (t->n_dims == 0 || t->n_dims > GGUF_MAX_DIMS)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has %u dimensions (1 to %d allowed)", g->name, t->name,
                          t->n_dims, GGUF_MAX_DIMS);
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++)
        t->dims[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++)
        MLAVK_TRY(read_u64(r, &t->dims[d], "tensor dimension"));
    MLAVK_TRY(read_u32(r, &t->type, "tensor type"));
    MLAVK_TRY(read_u64(r, &t->offset, "tensor offset"));
    return size_tensor(g, t);
}

static mlavk_status place_tensors(gguf_file *g)
{
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor *t = &g->tensors[i];
        if (t->offset % g->alignment != 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' offset %llu is not a multiple of the alignment %u",
                              g->name, t->name, (unsigned long long)t->offset, g->alignment);
        uint64_t data_size = g->size - g->data_offset;
        if (t->offset >= data_size)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' offset %llu is past the end of the file", g->name,
                              t->name, (unsigned long long)t->offset);
        if (t->n_bytes > data_size - t->offset)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' data (%llu bytes at offset %llu) runs past the end "
                              "of the file (truncated?)", g->name, t->name, (unsigned long long)t->n_bytes,
                              (unsigned long long)t->offset);
        t->data = g->base + g->data_offset + t->offset;
    }
    gguf_tensor **by_offset = malloc((g->n_tensors ? g->n_tensors : 1) * sizeof *by_offset);
    if (!by_offset)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", g->name);
    memcpy(by_offset, g->tensor_sorted, g->n_tensors * sizeof *by_offset);
    qsort(by_offset, g->n_tensors, sizeof *by_offset, compare_tensor_offset);
    mlavk_status status = MLAVK_OK;
    for (uint64_t i = 1; i < g->n_tensors && status == MLAVK_OK; i++)
        if (by_offset[i - 1]->offset + by_offset[i - 1]->n_bytes > by_offset[i]->offset)
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap", g->name, by_offset[i - 1]->name,
                                by_offset[i]->name);
    free(by_offset);
    return status;
}

static mlavk_status read_tensors(reader *r)
{
    gguf_file *g = (gguf_file *)r->gguf;
    g->tensors = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensors);
    g->tensor_sorted = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->tensor_sorted);
    if (!g->tensors || !g->tensor_sorted)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for tensor infos", g->name);
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        MLAVK_TRY(read_tensor_info(r, i, &g->tensors[i]));
        g->tensor_sorted[i] = &g->tensors[i];
    }
    qsort(g->tensor_sorted, g->n_tensors, sizeof *g->tensor_sorted, compare_tensor_name);
    for (uint64_t i = 1; i < g->n_tensors; i++)
        if (strcmp(g->tensor_sorted[i - 1]->name, g->tensor_sorted[i]->name) == 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: duplicate tensor name '%s'", g->name,
                              g->tensor_sorted[i]->name);
    uint64_t misalignment = r->pos % g->alignment;
    g->data_offset = r->pos + (misalignment ? g->alignment - misalignment : 0);
    if (g->n_tensors > 0 && g->data_offset >= g->size)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: file ends before its tensor data section (offset %llu)", g->name,
                          (unsigned long long)g->data_offset);
    return place_tensors(g);
}

static mlavk_status parse(gguf_file *g)
{
    reader r = {g, 0};
    MLAVK_TRY(read_header(&r));
    MLAVK_TRY(read_metadata(&r));
    MLAVK_TRY(read_alignment(g));
    return read_tensors(&r);
}

void gguf_close(gguf_file *g)
{
    if (!g)
        return;
    if (g->kvs) {
        for (uint64_t i = 0; i < g->n_kv; i++) {
            free((char *)g->kvs[i].key);
            free_value(&g->kvs[i].value);
        }
    }
    if (g->tensors)
        for (uint64_t i = 0; i < g->n_tensors; i++)
            free((char *)g->tensors[i].name);
    free(g->kvs);
    free(g->kv_sorted);
    free(g->tensors);
    free(g->tensor_sorted);
    file_map_close(&g->map);
    free(g->name);
    free(g);
}

static mlavk_status create(const char *name, gguf_file **out)
{
    *out = NULL;
    gguf_file *g = calloc(1, sizeof *g);
    char *copy = g ? strdup(name) : NULL;
    if (!copy) {
        free(g);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    }
    g->name = copy;
    *out = g;
    return MLAVK_OK;
}

static mlavk_status finish(gguf_file *g, gguf_file **out)
{
    mlavk_status status = parse(g);
    if (status != MLAVK_OK) {
        gguf_close(g);
        return status;
    }
    *out = g;
    return MLAVK_OK;
}

mlavk_status gguf_open_memory(const void *data, size_t size, const char *name, gguf_file **out)
{
    gguf_file *g;
    MLAVK_TRY(create(name, &g));
    g->base = data;
    g->size = size;
    return finish(g, out);
}

mlavk_status gguf_open(const char *path, gguf_file **out)
{
    gguf_file *g;
    MLAVK_TRY(create(path, &g));
    mlavk_status status = file_map_open(path, &g->map);
    if (status != MLAVK_OK) {
        gguf_close(g);
        return status;
    }
    g->base = g->map.data;
    g->size = g->map.size;
    return finish(g, out);
}

const char *gguf_name(const gguf_file *g) { return g->name; }
uint32_t gguf_version(const gguf_file *g) { return g->version; }
uint64_t gguf_file_size(const gguf_file *g) { return g->size; }
uint32_t gguf_alignment(const gguf_file *g) { return g->alignment; }
uint64_t gguf_kv_count(const gguf_file *g) { return g->n_kv; }
uint64_t gguf_tensor_count(const gguf_file *g) { return g->n_tensors; }

const gguf_kv *gguf_kv_at(const gguf_file *g, uint64_t index) { return index < g->n_kv ? &g->kvs[index] : NULL; }

const gguf_tensor *gguf_tensor_at(const gguf_file *g, uint64_t index)
{
    return index < g->n_tensors ? &g->tensors[index] : NULL;
}

const gguf_value *gguf_find(const gguf_file *g, const char *key)
{
    gguf_kv probe = {.key = key};
    const gguf_kv *probe_ptr = &probe;
    gguf_kv **hit = bsearch(&probe_ptr, g->kv_sorted, g->n_kv, sizeof *g->kv_sorted, compare_kv);
    return hit ? &(*hit)->value : NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name)
{
    gguf_tensor probe = {.name = name};
    const gguf_tensor *probe_ptr = &probe;
    gguf_tensor **hit =
        bsearch(&probe_ptr, g->tensor_sorted, g->n_tensors, sizeof *g->tensor_sorted, compare_tensor_name);
    return hit ? *hit : NULL;
}

static bool is_unsigned(gguf_value_type t)
{
    return t == GGUF_TYPE_U8 || t == GGUF_TYPE_U16 || t == GGUF_TYPE_U32 || t == GGUF_TYPE_U64;
}

static bool is_signed(gguf_value_type t)
{
    return t == GGUF_TYPE_I8 || t == GGUF_TYPE_I16 || t == GGUF_TYPE_I32 || t == GGUF_TYPE_I64;
}

bool gguf_value_to_u64(const gguf_value *v, uint64_t *out)
{
    if (is_unsigned(v->type)) {
        *out = v->as.u;
        return true;
    }
    if (is_signed(v->type) && v->as.i >= 0) {
        *out = (uint64_t)v->as.i;
        return true;
    }
    return false;
}

bool gguf_value_to_i64(const gguf_value *v, int64_t *out)
{
    if (is_signed(v->type)) {
        *out = v->as.i;
        return true;
    }
    if (is_unsigned(v->type) && v->as.u <= (uint64_t)INT64_MAX) {
        *out = (int64_t)v->as.u;
        return true;
    }
    return false;
}

bool gguf_value_to_f64(const gguf_value *v, double *out)
{
    if (v->type != GGUF_TYPE_F32 && v->type != GGUF_TYPE_F64)
        return false;
    *out = v->as.f;
    return true;
}

bool gguf_array_scalar(const gguf_array *a, uint64_t i, gguf_value *out)
{
    if (i >= a->count || !a->raw)
        return false;
    decode_scalar(a->elem_type, a->raw + i * type_sizes[a->elem_type], out);
    return true;
}

bool gguf_string_equals(gguf_string s, const char *text)
{
    size_t len = strlen(text);
    return s.len == len && memcmp(s.data, text, len) == 0;
}

static mlavk_status find_required(const gguf_file *g, const char *key, const gguf_value **out)
{
    *out = gguf_find(g, key);
    if (!*out)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing required key '%s'", g->name, key);
    return MLAVK_OK;
}

static mlavk_status wrong_type(const gguf_file *g, const char *key, const gguf_value *v, const char *wanted)
{
    return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' is %s, expected %s", g->name, key, gguf_type_name(v->type),
                      wanted);
}

mlavk_status gguf_get_u64(const gguf_file *g, const char *key, uint64_t *out)
{
    const gguf_value *v;
    MLAVK_TRY(find_required(g, key, &v));
    return gguf_value_to_u64(v, out) ? MLAVK_OK : wrong_type(g, key, v, "a non-negative integer");
}

mlavk_status gguf_get_u32(const gguf_file *g, const char *key, uint32_t *out)
{
    uint64_t wide;
    MLAVK_TRY(gguf_get_u64(g, key, &wide));
    if (wide > UINT32_MAX)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: key '%s' value %llu does not fit 32 bits", g->name, key,
                          (unsigned long long)wide);
    *out = (uint32_t)wide;
    return MLAVK_OK;
}

mlavk_status gguf_get_i64(const gguf_file *g, const char *key, int64_t *out)
{
    const gguf_value *v;
    MLAVK_TRY(find_required(g, key, &v));
    return gguf_value_to_i64(v, out) ? MLAVK_OK : wrong_type(g, key, v, "an integer");
}

mlavk_status gguf_get_f32(const gguf_file *g, const char *key, float *out)
{
    const gguf_value *v;
    double wide;
    MLAVK_TRY(find_required(g, key, &v));
    if (!gguf_value_to_f64(v, &wide))
        return wrong_type(g, key, v, "a float");
    *out = (float)wide;
    return MLAVK_OK;
}

mlavk_status gguf_get_bool(const gguf_file *g, const char *key, bool *out)
{
    const gguf_value *v;
    MLAVK_TRY(find_required(g, key, &v));
    if (v->type != GGUF_TYPE_BOOL)
        return wrong_type(g, key, v, "a bool");
    *out = v->as.u != 0;
    return MLAVK_OK;
}

mlavk_status gguf_get_string(const gguf_file *g, const char *key, gguf_string *out)
{
    const gguf_value *v;
    MLAVK_TRY(find_required(g, key, &v));
    if (v->type != GGUF_TYPE_STRING)
        return wrong_type(g, key, v, "a string");
    *out = v->as.str;
    return MLAVK_OK;
}

mlavk_status gguf_get_array(const gguf_file *g, const char *key, const gguf_array **out)
{
    const gguf_value *v;
    MLAVK_TRY(find_required(g, key, &v));
    if (v->type != GGUF_TYPE_ARRAY)
        return wrong_type(g, key, v, "an array");
    *out = &v->as.arr;
    return MLAVK_OK;
}
