#include "formats/gguf_out.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/status.h"

typedef struct bytes {
    uint8_t *data;
    size_t size, cap;
} bytes;

typedef struct pending_tensor {
    const void *data;
    void *owned;              /* the copy gguf_out_tensor made; NULL for a borrowed tensor */
    size_t n_bytes;
} pending_tensor;

struct gguf_out {
    bytes kv, info;
    uint64_t n_kv;
    pending_tensor *tensors;
    uint64_t n_tensors, cap_tensors;
    uint64_t data_size;       /* the data section so far, each tensor padded to the alignment */
};

static mlavk_status put(bytes *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->size + n)
            cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "gguf writer: out of memory");
        b->data = grown;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->size, p, n);
    b->size += n;
    return MLAVK_OK;
}

/* The host is little-endian, as gguf.c assumes: integers go out as they are in memory. */
static mlavk_status put_u32(bytes *b, uint32_t v) { return put(b, &v, 4); }
static mlavk_status put_u64(bytes *b, uint64_t v) { return put(b, &v, 8); }

static mlavk_status put_string(bytes *b, const char *s, uint64_t len)
{
    MLAVK_TRY(put_u64(b, len));
    return put(b, s, (size_t)len);
}

mlavk_status gguf_out_create(gguf_out **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? MLAVK_OK : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "gguf writer: out of memory");
}

void gguf_out_free(gguf_out *w)
{
    if (!w)
        return;
    for (uint64_t i = 0; i < w->n_tensors; i++)
        free(w->tensors[i].owned);
    free(w->tensors);
    free(w->kv.data);
    free(w->info.data);
    free(w);
}

static mlavk_status key(gguf_out *w, const char *name, gguf_value_type type)
{
    MLAVK_TRY(put_string(&w->kv, name, strlen(name)));
    MLAVK_TRY(put_u32(&w->kv, (uint32_t)type));
    w->n_kv++;
    return MLAVK_OK;
}

mlavk_status gguf_out_u32(gguf_out *w, const char *name, uint32_t value)
{
    MLAVK_TRY(key(w, name, GGUF_TYPE_U32));
    return put_u32(&w->kv, value);
}

mlavk_status gguf_out_f32(gguf_out *w, const char *name, float value)
{
    MLAVK_TRY(key(w, name, GGUF_TYPE_F32));
    return put(&w->kv, &value, 4);
}

mlavk_status gguf_out_string(gguf_out *w, const char *name, const char *value)
{
    MLAVK_TRY(key(w, name, GGUF_TYPE_STRING));
    return put_string(&w->kv, value, strlen(value));
}

static size_t scalar_size(gguf_value_type type)
{
    switch (type) {
    case GGUF_TYPE_U8: case GGUF_TYPE_I8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_U16: case GGUF_TYPE_I16: return 2;
    case GGUF_TYPE_U32: case GGUF_TYPE_I32: case GGUF_TYPE_F32: return 4;
    case GGUF_TYPE_U64: case GGUF_TYPE_I64: case GGUF_TYPE_F64: return 8;
    default: return 0;
    }
}

/* The value's bytes after its type (an array: element type, count, elements). */
static mlavk_status put_value(bytes *b, const gguf_value *v)
{
    switch (v->type) {
    case GGUF_TYPE_STRING:
        return put_string(b, v->as.str.data, v->as.str.len);
    case GGUF_TYPE_ARRAY: {
        const gguf_array *a = &v->as.arr;
        MLAVK_TRY(put_u32(b, (uint32_t)a->elem_type));
        MLAVK_TRY(put_u64(b, a->count));
        for (uint64_t i = 0; a->elem_type == GGUF_TYPE_STRING && i < a->count; i++)
            MLAVK_TRY(put_string(b, a->strings[i].data, a->strings[i].len));
        for (uint64_t i = 0; a->elem_type == GGUF_TYPE_ARRAY && i < a->count; i++)
            MLAVK_TRY(put_value(b, &a->items[i]));
        if (a->elem_type != GGUF_TYPE_STRING && a->elem_type != GGUF_TYPE_ARRAY)
            return put(b, a->raw, (size_t)(a->count * scalar_size(a->elem_type)));
        return MLAVK_OK;
    }
    case GGUF_TYPE_F32: {
        float f = (float)v->as.f;
        return put(b, &f, 4);
    }
    case GGUF_TYPE_F64:
        return put(b, &v->as.f, 8);
    case GGUF_TYPE_I8: case GGUF_TYPE_I16: case GGUF_TYPE_I32: case GGUF_TYPE_I64:
        return put(b, &v->as.i, scalar_size(v->type));
    default: /* unsigned integers and bools: the low bytes of the u64 (little-endian) */
        return put(b, &v->as.u, scalar_size(v->type));
    }
}

mlavk_status gguf_out_copy(gguf_out *w, const gguf_kv *kv)
{
    MLAVK_TRY(key(w, kv->key, kv->value.type));
    return put_value(&w->kv, &kv->value);
}

static uint64_t padded(uint64_t n)
{
    return (n + GGUF_DEFAULT_ALIGNMENT - 1) / GGUF_DEFAULT_ALIGNMENT * GGUF_DEFAULT_ALIGNMENT;
}

static mlavk_status add_tensor(gguf_out *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                               const uint64_t *dims, const void *data, size_t n_bytes, bool copy)
{
    if (w->n_tensors == w->cap_tensors) {
        uint64_t cap = w->cap_tensors ? 2 * w->cap_tensors : 64;
        pending_tensor *grown = realloc(w->tensors, cap * sizeof *grown);
        if (!grown)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "gguf writer: out of memory");
        w->tensors = grown;
        w->cap_tensors = cap;
    }
    void *owned = copy ? malloc(n_bytes ? n_bytes : 1) : NULL;
    if (copy && !owned)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "gguf writer: out of memory for %s", name);
    if (copy)
        memcpy(owned, data, n_bytes);
    w->tensors[w->n_tensors++] = (pending_tensor){owned ? owned : data, owned, n_bytes};
    MLAVK_TRY(put_string(&w->info, name, strlen(name)));
    MLAVK_TRY(put_u32(&w->info, n_dims));
    for (uint32_t d = 0; d < n_dims; d++)
        MLAVK_TRY(put_u64(&w->info, dims[d]));
    MLAVK_TRY(put_u32(&w->info, ggml_type));
    MLAVK_TRY(put_u64(&w->info, w->data_size));
    w->data_size += padded(n_bytes);
    return MLAVK_OK;
}

mlavk_status gguf_out_tensor(gguf_out *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                             const uint64_t *dims, const void *data, size_t n_bytes)
{
    return add_tensor(w, name, ggml_type, n_dims, dims, data, n_bytes, true);
}

mlavk_status gguf_out_tensor_borrowed(gguf_out *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                                      const uint64_t *dims, const void *data, size_t n_bytes)
{
    return add_tensor(w, name, ggml_type, n_dims, dims, data, n_bytes, false);
}

static bool write_all(FILE *f, const void *p, size_t n) { return n == 0 || fwrite(p, 1, n, f) == n; }

static bool write_file(const gguf_out *w, FILE *f)
{
    static const uint8_t zeros[GGUF_DEFAULT_ALIGNMENT];
    uint32_t version = 3;
    bool ok = write_all(f, "GGUF", 4) && write_all(f, &version, 4) && write_all(f, &w->n_tensors, 8) &&
              write_all(f, &w->n_kv, 8) && write_all(f, w->kv.data, w->kv.size) &&
              write_all(f, w->info.data, w->info.size);
    uint64_t header = 24 + w->kv.size + w->info.size;
    ok = ok && write_all(f, zeros, (size_t)(padded(header) - header));
    for (uint64_t i = 0; ok && i < w->n_tensors; i++)
        ok = write_all(f, w->tensors[i].data, w->tensors[i].n_bytes) &&
             write_all(f, zeros, (size_t)(padded(w->tensors[i].n_bytes) - w->tensors[i].n_bytes));
    return ok;
}

mlavk_status gguf_out_save(gguf_out *w, const char *path)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(tmp);
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot create the file", path);
    }
    bool ok = write_file(w, f);
    ok = fclose(f) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        remove(tmp);
    free(tmp);
    return ok ? MLAVK_OK : mlavk_fail(MLAVK_ERR_IO, "%s: cannot write the file", path);
}
