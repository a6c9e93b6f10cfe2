#include "formats/safetensors.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "formats/file_map.h"
#include "util/status.h"

struct st_file {
    char *name;
    file_map map;
    const uint8_t *base;
    uint64_t size;
    uint64_t data_start;
    uint32_t n_tensors;
    st_tensor *tensors;
    st_tensor **sorted;
};

static const struct {
    const char *name;
    uint32_t size;
} dtypes[ST_DTYPE_COUNT] = {
    [ST_F32] = {"F32", 4},     [ST_F16] = {"F16", 2},   [ST_BF16] = {"BF16", 2}, [ST_F8_E4M3] = {"F8_E4M3", 1},
    [ST_F64] = {"F64", 8},     [ST_F8_E5M2] = {"F8_E5M2", 1}, [ST_I64] = {"I64", 8}, [ST_I32] = {"I32", 4},
    [ST_I16] = {"I16", 2},     [ST_I8] = {"I8", 1},     [ST_U64] = {"U64", 8},   [ST_U32] = {"U32", 4},
    [ST_U16] = {"U16", 2},     [ST_U8] = {"U8", 1},     [ST_BOOL] = {"BOOL", 1},
};

const char *st_dtype_name(st_dtype dtype) { return (unsigned)dtype < ST_DTYPE_COUNT ? dtypes[dtype].name : "?"; }
uint32_t st_dtype_size(st_dtype dtype) { return (unsigned)dtype < ST_DTYPE_COUNT ? dtypes[dtype].size : 0; }
const char *st_name(const st_file *st) { return st->name; }
uint64_t st_file_size(const st_file *st) { return st->size; }
uint32_t st_tensor_count(const st_file *st) { return st->n_tensors; }

const st_tensor *st_tensor_at(const st_file *st, uint32_t index)
{
    return index < st->n_tensors ? &st->tensors[index] : NULL;
}

static int compare_name(const void *a, const void *b)
{
    return strcmp((*(st_tensor *const *)a)->name, (*(st_tensor *const *)b)->name);
}

static int compare_offset(const void *a, const void *b)
{
    const st_tensor *x = *(st_tensor *const *)a, *y = *(st_tensor *const *)b;
    return x->data < y->data ? -1 : x->data > y->data;
}

const st_tensor *st_find(const st_file *st, const char *name)
{
    st_tensor probe = {.name = name};
    const st_tensor *probe_ptr = &probe;
    st_tensor **hit = bsearch(&probe_ptr, st->sorted, st->n_tensors, sizeof *st->sorted, compare_name);
    return hit ? *hit : NULL;
}

/* JSON numbers are doubles: offsets and dims must be exact non-negative integers below 2^53. */
static bool json_index(const cJSON *item, uint64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= 0.0) || v > 9007199254740992.0 || floor(v) != v)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* Names appear in messages: reject control characters so every message stays one line. */
static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static mlavk_status parse_dtype(const st_file *st, const st_tensor *t, const cJSON *item)
{
    if (!cJSON_IsString(item))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has no dtype string", st->name, t->name);
    for (int d = 0; d < ST_DTYPE_COUNT; d++)
        if (strcmp(item->valuestring, dtypes[d].name) == 0) {
            ((st_tensor *)t)->dtype = (st_dtype)d;
            return MLAVK_OK;
        }
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: tensor '%s' has unknown dtype '%.16s'", st->name, t->name,
                      printable(item->valuestring) ? item->valuestring : "?");
}

static mlavk_status parse_shape(const st_file *st, st_tensor *t, const cJSON *shape)
{
    int n = cJSON_IsArray(shape) ? cJSON_GetArraySize(shape) : -1;
    if (n < 0 || n > SAFETENSORS_MAX_DIMS)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' shape is not a list of at most %d sizes", st->name,
                          t->name, SAFETENSORS_MAX_DIMS);
    t->n_dims = (uint32_t)n;
    t->n_elements = 1;
    const cJSON *dim;
    uint32_t d = 0;
    cJSON_ArrayForEach(dim, shape) {
        if (!json_index(dim, &t->shape[d]))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' shape holds something other than a size", st->name,
                              t->name);
        if (t->shape[d] && t->n_elements > (UINT64_MAX / 8) / t->shape[d])
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' shape overflows", st->name, t->name);
        t->n_elements *= t->shape[d++];
    }
    t->n_bytes = t->n_elements * dtypes[t->dtype].size;
    return MLAVK_OK;
}

static mlavk_status parse_offsets(const st_file *st, st_tensor *t, const cJSON *offsets)
{
    uint64_t begin, end;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 ||
        !json_index(cJSON_GetArrayItem(offsets, 0), &begin) || !json_index(cJSON_GetArrayItem(offsets, 1), &end))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' data_offsets is not a pair of offsets", st->name,
                          t->name);
    uint64_t data_size = st->size - st->data_start;
    if (begin > end || end > data_size)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' data_offsets [%llu, %llu] lie outside the %llu data "
                          "bytes of the file", st->name, t->name, (unsigned long long)begin, (unsigned long long)end,
                          (unsigned long long)data_size);
    if (end - begin != t->n_bytes)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' has %llu data bytes but its shape and dtype need %llu",
                          st->name, t->name, (unsigned long long)(end - begin), (unsigned long long)t->n_bytes);
    t->data = st->base + st->data_start + begin;
    return MLAVK_OK;
}

static mlavk_status parse_tensor(st_file *st, const cJSON *entry, st_tensor *t)
{
    if (!printable(entry->string))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: a tensor name contains a control character", st->name);
    t->name = strdup(entry->string);
    if (!t->name)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", st->name);
    if (!cJSON_IsObject(entry))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensor '%s' is not a JSON object", st->name, t->name);
    MLAVK_TRY(parse_dtype(st, t, cJSON_GetObjectItemCaseSensitive(entry, "dtype")));
    MLAVK_TRY(parse_shape(st, t, cJSON_GetObjectItemCaseSensitive(entry, "shape")));
    return parse_offsets(st, t, cJSON_GetObjectItemCaseSensitive(entry, "data_offsets"));
}

static mlavk_status check_layout(st_file *st)
{
    qsort(st->sorted, st->n_tensors, sizeof *st->sorted, compare_name);
    for (uint32_t i = 1; i < st->n_tensors; i++)
        if (strcmp(st->sorted[i - 1]->name, st->sorted[i]->name) == 0)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: duplicate tensor name '%s'", st->name, st->sorted[i]->name);
    st_tensor **by_offset = malloc((st->n_tensors ? st->n_tensors : 1) * sizeof *by_offset);
    if (!by_offset)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", st->name);
    memcpy(by_offset, st->sorted, st->n_tensors * sizeof *by_offset);
    qsort(by_offset, st->n_tensors, sizeof *by_offset, compare_offset);
    mlavk_status status = MLAVK_OK;
    for (uint32_t i = 1; i < st->n_tensors && status == MLAVK_OK; i++) {
        const st_tensor *a = by_offset[i - 1], *b = by_offset[i];
        if ((const uint8_t *)a->data + a->n_bytes > (const uint8_t *)b->data)
            status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap", st->name, a->name, b->name);
    }
    free(by_offset);
    return status;
}

static mlavk_status parse_entries(st_file *st, const cJSON *root)
{
    int count = cJSON_GetArraySize(root);
    st->tensors = calloc(count > 0 ? (size_t)count : 1, sizeof *st->tensors);
    st->sorted = calloc(count > 0 ? (size_t)count : 1, sizeof *st->sorted);
    if (!st->tensors || !st->sorted)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for %d tensors", st->name, count);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, root) {
        if (strcmp(entry->string, "__metadata__") == 0)
            continue;
        st_tensor *t = &st->tensors[st->n_tensors++];
        MLAVK_TRY(parse_tensor(st, entry, t));
        st->sorted[st->n_tensors - 1] = t;
    }
    return check_layout(st);
}

static mlavk_status parse(st_file *st)
{
    if (st->size == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: empty file", st->name);
    if (st->size < 8)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: truncated file: %llu bytes cannot hold the 8-byte header length",
                          st->name, (unsigned long long)st->size);
    uint64_t header_len = 0;
    for (int i = 0; i < 8; i++)
        header_len |= (uint64_t)st->base[i] << (8 * i);
    if (header_len > st->size - 8)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: header length %llu is larger than the file (%llu bytes)", st->name,
                          (unsigned long long)header_len, (unsigned long long)st->size);
    if (header_len > SAFETENSORS_MAX_HEADER)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: header length %llu exceeds the %u-byte limit", st->name,
                          (unsigned long long)header_len, SAFETENSORS_MAX_HEADER);
    st->data_start = 8 + header_len;
    const char *header = (const char *)st->base + 8;
    const char *error_at = header;
    cJSON *root = cJSON_ParseWithLengthOpts(header, (size_t)header_len, &error_at, 0);
    if (!root)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: invalid JSON in the header near byte %td", st->name,
                          error_at - header);
    mlavk_status status = cJSON_IsObject(root)
                              ? parse_entries(st, root)
                              : mlavk_fail(MLAVK_ERR_FORMAT, "%s: the header is not a JSON object", st->name);
    cJSON_Delete(root);
    return status;
}

void st_close(st_file *st)
{
    if (!st)
        return;
    for (uint32_t i = 0; i < st->n_tensors; i++)
        free((char *)st->tensors[i].name);
    free(st->tensors);
    free(st->sorted);
    file_map_close(&st->map);
    free(st->name);
    free(st);
}

static mlavk_status create(const char *name, st_file **out)
{
    st_file *st = calloc(1, sizeof *st);
    char *copy = st ? strdup(name) : NULL;
    if (!copy) {
        free(st);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", name);
    }
    st->name = copy;
    *out = st;
    return MLAVK_OK;
}

static mlavk_status finish(st_file *st, st_file **out)
{
    mlavk_status status = parse(st);
    if (status != MLAVK_OK) {
        st_close(st);
        return status;
    }
    *out = st;
    return MLAVK_OK;
}

mlavk_status st_open_memory(const void *data, size_t size, const char *name, st_file **out)
{
    *out = NULL;
    st_file *st;
    MLAVK_TRY(create(name, &st));
    st->base = data;
    st->size = size;
    return finish(st, out);
}

mlavk_status st_open(const char *path, st_file **out)
{
    *out = NULL;
    st_file *st;
    MLAVK_TRY(create(path, &st));
    mlavk_status status = file_map_open(path, &st->map);
    if (status != MLAVK_OK) {
        st_close(st);
        return status;
    }
    st->base = st->map.data;
    st->size = st->map.size;
    return finish(st, out);
}
