#include "test_generator_readers.h"

#include "test_util.h"
#include "util/half.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds-checked cursor over a file in memory. */
typedef struct cursor {
    const uint8_t *p, *end;
    bool bad;
} cursor;

static const uint8_t *take(cursor *c, uint64_t n)
{
    if (c->bad || (uint64_t)(c->end - c->p) < n) {
        c->bad = true;
        return NULL;
    }
    const uint8_t *at = c->p;
    c->p += n;
    return at;
}

static uint64_t take_u(cursor *c, int bytes)
{
    const uint8_t *at = take(c, (uint64_t)bytes);
    uint64_t v = 0;
    for (int i = bytes - 1; at && i >= 0; i--)
        v = v << 8 | at[i];
    return v;
}

static void take_string(cursor *c, char *out, size_t size)
{
    uint64_t len = take_u(c, 8);
    const uint8_t *s = take(c, len);
    if (!s || len >= size) {
        c->bad = true;
        out[0] = 0;
        return;
    }
    memcpy(out, s, len);
    out[len] = 0;
}

static const int scalar_size[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

static void skip_value(cursor *c, uint32_t type, int depth)
{
    if (type == 8) {
        take(c, take_u(c, 8));
    } else if (type == 9 && depth == 0) {
        uint32_t elem = (uint32_t)take_u(c, 4);
        uint64_t n = take_u(c, 8);
        for (uint64_t i = 0; i < n && !c->bad; i++)
            skip_value(c, elem, 1);
    } else if (type < 13 && scalar_size[type]) {
        take(c, (uint64_t)scalar_size[type]);
    } else {
        c->bad = true;
    }
}

static uint64_t tensor_bytes(uint32_t type, uint64_t elems)
{
    switch (type) {
    case 0: return elems * 4;
    case 1: case 30: return elems * 2;
    case 2: return elems / 32 * 18;
    case 8: return elems / 32 * 34;
    case 12: return elems / 256 * 144;
    case 13: return elems / 256 * 176;
    case 14: return elems / 256 * 210;
    default: return UINT64_MAX;
    }
}

static bool read_table(mini_gguf *g, cursor *c, const char *path)
{
    for (uint64_t i = 0; i < g->n_kv && !c->bad; i++) {
        take_string(c, g->kv[i].key, sizeof g->kv[i].key);
        g->kv[i].type = (uint32_t)take_u(c, 4);
        g->kv[i].value = c->p;
        skip_value(c, g->kv[i].type, 0);
    }
    for (uint64_t i = 0; i < g->n_tensors && !c->bad; i++) {
        mini_tensor *t = &g->tensors[i];
        take_string(c, t->name, sizeof t->name);
        t->n_dims = (uint32_t)take_u(c, 4);
        if (t->n_dims == 0 || t->n_dims > 4)
            c->bad = true;
        uint64_t elems = 1;
        for (uint32_t d = 0; d < 4; d++) {
            t->ne[d] = d < t->n_dims && !c->bad ? take_u(c, 8) : 1;
            elems *= t->ne[d];
        }
        t->type = (uint32_t)take_u(c, 4);
        t->offset = take_u(c, 8);
        t->bytes = tensor_bytes(t->type, elems);
    }
    CHECK_MSG(!c->bad, "%s: header runs past the end or is malformed", path);
    return !c->bad;
}

bool mini_gguf_open(mini_gguf *g, const char *path)
{
    memset(g, 0, sizeof *g);
    g->file = test_read_file(path, &g->size);
    CHECK_MSG(g->file != NULL, "%s: cannot read", path);
    if (!g->file)
        return false;
    cursor c = {g->file, g->file + g->size, false};
    const uint8_t *magic = take(&c, 4);
    CHECK_MSG(magic && memcmp(magic, "GGUF", 4) == 0, "%s: bad magic", path);
    g->version = (uint32_t)take_u(&c, 4);
    g->n_tensors = take_u(&c, 8);
    g->n_kv = take_u(&c, 8);
    CHECK_MSG(g->version == 3, "%s: version %u, want 3", path, g->version);
    if (c.bad || g->n_kv > 4096 || g->n_tensors > 100000)
        return false;
    g->kv = calloc(g->n_kv + 1, sizeof *g->kv);
    g->tensors = calloc(g->n_tensors + 1, sizeof *g->tensors);
    if (!read_table(g, &c, path))
        return false;
    g->alignment = 32;
    mini_gguf_u32(g, "general.alignment", &g->alignment);
    uint64_t header = (uint64_t)(c.p - g->file);
    g->data_start = (header + g->alignment - 1) / g->alignment * g->alignment;
    bool ok = true;
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        mini_tensor *t = &g->tensors[i];
        bool fits = t->bytes != UINT64_MAX && t->offset % g->alignment == 0 &&
                    g->data_start + t->offset + t->bytes <= g->size;
        CHECK_MSG(fits, "%s: tensor %s (type %u) misaligned or out of the file", path, t->name, t->type);
        ok = ok && fits;
        if (fits)
            t->data = g->file + g->data_start + t->offset;
        for (uint64_t j = 0; j < i && fits; j++) { /* no two tensors share bytes */
            const mini_tensor *u = &g->tensors[j];
            CHECK_MSG(t->offset >= u->offset + u->bytes || u->offset >= t->offset + t->bytes,
                      "%s: tensors %s and %s overlap", path, t->name, u->name);
        }
    }
    return ok;
}

void mini_gguf_close(mini_gguf *g)
{
    free(g->file);
    free(g->kv);
    free(g->tensors);
    memset(g, 0, sizeof *g);
}

const mini_kv *mini_gguf_kv(const mini_gguf *g, const char *key)
{
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (strcmp(g->kv[i].key, key) == 0)
            return &g->kv[i];
    return NULL;
}

bool mini_gguf_u32(const mini_gguf *g, const char *key, uint32_t *out)
{
    const mini_kv *kv = mini_gguf_kv(g, key);
    if (!kv || kv->type != 4)
        return false;
    memcpy(out, kv->value, 4);
    return true;
}

bool mini_gguf_f32(const mini_gguf *g, const char *key, float *out)
{
    const mini_kv *kv = mini_gguf_kv(g, key);
    if (!kv || kv->type != 6)
        return false;
    memcpy(out, kv->value, 4);
    return true;
}

bool mini_gguf_bool(const mini_gguf *g, const char *key, bool *out)
{
    const mini_kv *kv = mini_gguf_kv(g, key);
    if (!kv || kv->type != 7 || kv->value[0] > 1)
        return false;
    *out = kv->value[0] == 1;
    return true;
}

static char *copy_string(const uint8_t *at)
{
    uint64_t len;
    memcpy(&len, at, 8);
    char *s = malloc(len + 1);
    memcpy(s, at + 8, len);
    s[len] = 0;
    return s;
}

char *mini_gguf_str(const mini_gguf *g, const char *key)
{
    const mini_kv *kv = mini_gguf_kv(g, key);
    return kv && kv->type == 8 ? copy_string(kv->value) : NULL;
}

char *mini_gguf_str_at(const mini_gguf *g, const char *key, uint64_t i, uint64_t *count)
{
    const mini_kv *kv = mini_gguf_kv(g, key);
    *count = 0;
    uint32_t elem;
    if (!kv || kv->type != 9 || (memcpy(&elem, kv->value, 4), elem != 8))
        return NULL;
    memcpy(count, kv->value + 4, 8);
    const uint8_t *p = kv->value + 12; /* the table was bounds-checked when opened */
    for (uint64_t j = 0; j < i && j < *count; j++) {
        uint64_t len;
        memcpy(&len, p, 8);
        p += 8 + len;
    }
    return i < *count ? copy_string(p) : NULL;
}

const mini_tensor *mini_gguf_tensor(const mini_gguf *g, const char *name)
{
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0)
            return &g->tensors[i];
    return NULL;
}

static float half_at(const uint8_t *p) { return mlavk_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

/* Q4_K written out from the format description: 8 sub-blocks of 32, 6-bit scale and min each. */
static void decode_q4_k(const uint8_t *b, float *y)
{
    float d = half_at(b), dmin = half_at(b + 2);
    const uint8_t *s = b + 4, *qs = b + 16;
    for (int sub = 0; sub < 8; sub++) {
        int sc = sub < 4 ? s[sub] & 63 : (s[sub + 4] & 15) | ((s[sub - 4] >> 6) << 4);
        int mn = sub < 4 ? s[sub + 4] & 63 : (s[sub + 4] >> 4) | ((s[sub] >> 6) << 4);
        const uint8_t *q = qs + 32 * (sub / 2);
        for (int l = 0; l < 32; l++) {
            int v = sub % 2 ? q[l] >> 4 : q[l] & 15;
            y[32 * sub + l] = d * (float)sc * (float)v - dmin * (float)mn;
        }
    }
}

float *mini_tensor_f32(const mini_tensor *t)
{
    uint64_t n = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    if (!t->data || (t->type != 0 && t->type != 1 && t->type != 30 && t->type != 8 && t->type != 12))
        return NULL;
    float *y = malloc(n * sizeof(float));
    const uint8_t *p = t->data;
    for (uint64_t i = 0; i < n; i++) {
        if (t->type == 0)
            memcpy(&y[i], p + 4 * i, 4);
        else if (t->type == 1)
            y[i] = half_at(p + 2 * i);
        else if (t->type == 30)
            y[i] = mlavk_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        else if (t->type == 8)
            y[i] = half_at(p + i / 32 * 34) * (float)(int8_t)p[i / 32 * 34 + 2 + i % 32];
        else if (i % 256 == 0)
            decode_q4_k(p + i / 256 * 144, y + i);
    }
    return y;
}

static cJSON *read_json(const char *dir, const char *name, bool required)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t size;
    char *text = test_read_file(path, &size);
    CHECK_MSG(text || !required, "%s: cannot read", path);
    if (!text)
        return NULL;
    cJSON *json = cJSON_ParseWithLength(text, size);
    CHECK_MSG(json != NULL, "%s: not valid JSON", path);
    free(text);
    return json;
}

static uint64_t dtype_size(const char *dtype)
{
    if (strcmp(dtype, "F32") == 0)
        return 4;
    if (strcmp(dtype, "F16") == 0 || strcmp(dtype, "BF16") == 0)
        return 2;
    return strcmp(dtype, "F8_E4M3") == 0 ? 1 : 0;
}

static int by_begin(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Every entry's size matches dtype and shape, and the entries tile the data section without gaps. */
static bool check_st_header(const mini_st_file *f, const char *path, int *count)
{
    uint64_t data = f->size - f->data_start, (*ranges)[2] = calloc(4096, sizeof *ranges);
    int n = 0;
    bool ok = true;
    for (const cJSON *e = f->header->child; e; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0)
            continue;
        const cJSON *dtype = cJSON_GetObjectItem(e, "dtype"), *shape = cJSON_GetObjectItem(e, "shape");
        const cJSON *off = cJSON_GetObjectItem(e, "data_offsets");
        if (!cJSON_IsString(dtype) || !cJSON_IsArray(shape) || cJSON_GetArraySize(off) != 2 || n == 4096) {
            CHECK_MSG(false, "%s: entry %s malformed", path, e->string);
            ok = false;
            continue;
        }
        uint64_t elems = 1;
        for (const cJSON *d = shape->child; d; d = d->next)
            elems *= (uint64_t)d->valuedouble;
        uint64_t b = (uint64_t)off->child->valuedouble, end = (uint64_t)off->child->next->valuedouble;
        bool fits = end >= b && end <= data && end - b == elems * dtype_size(dtype->valuestring) &&
                    dtype_size(dtype->valuestring);
        CHECK_MSG(fits, "%s: entry %s: size does not match dtype/shape or file", path, e->string);
        ok = ok && fits;
        ranges[n][0] = b, ranges[n][1] = end, n++;
    }
    qsort(ranges, (size_t)n, sizeof *ranges, by_begin);
    uint64_t at = 0;
    for (int i = 0; i < n; i++) {
        CHECK_MSG(ranges[i][0] == at, "%s: gap or overlap at data offset %llu", path, (unsigned long long)at);
        at = ranges[i][1];
    }
    CHECK_MSG(at == data, "%s: %llu data bytes, entries cover %llu", path, (unsigned long long)data,
              (unsigned long long)at);
    free(ranges);
    *count += n;
    return ok;
}

static bool load_st(mini_hf *hf, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK_MSG(hf->n_files < 8, "%s: too many shards", dir);
    if (hf->n_files == 8)
        return false;
    mini_st_file *f = &hf->files[hf->n_files];
    f->file = test_read_file(path, &f->size);
    CHECK_MSG(f->file && f->size >= 8, "%s: cannot read", path);
    if (!f->file || f->size < 8)
        return false;
    uint64_t len;
    memcpy(&len, f->file, 8);
    CHECK_MSG(len <= f->size - 8 && (8 + len) % 8 == 0, "%s: header length %llu", path, (unsigned long long)len);
    if (len > f->size - 8)
        return false;
    f->data_start = 8 + len;
    f->header = cJSON_ParseWithLength((const char *)f->file + 8, len);
    CHECK_MSG(f->header != NULL, "%s: header is not JSON", path);
    hf->n_files++;
    return f->header && check_st_header(f, path, &hf->n_tensors);
}

bool mini_hf_open(mini_hf *hf, const char *dir)
{
    memset(hf, 0, sizeof *hf);
    hf->config = read_json(dir, "config.json", true);
    hf->tokenizer = read_json(dir, "tokenizer.json", true);
    hf->tokenizer_config = read_json(dir, "tokenizer_config.json", true);
    hf->index = read_json(dir, "model.safetensors.index.json", false);
    if (!hf->config || !hf->tokenizer || !hf->tokenizer_config)
        return false;
    if (!hf->index)
        return load_st(hf, dir, "model.safetensors");
    const cJSON *map = cJSON_GetObjectItem(hf->index, "weight_map");
    int entries = 0;
    for (const cJSON *e = map ? map->child : NULL; e; e = e->next, entries++) {
        bool known = false;
        for (int i = 0; i < hf->n_files; i++)
            known = known || cJSON_GetObjectItem(hf->files[i].header, e->string) != NULL;
        if (!known && (!cJSON_IsString(e) || !load_st(hf, dir, e->valuestring)))
            return false;
    }
    CHECK_MSG(entries == hf->n_tensors, "%s: index lists %d tensors, the shards hold %d", dir, entries,
              hf->n_tensors);
    for (const cJSON *e = map->child; e; e = e->next) {
        const mini_st_file *f;
        CHECK_MSG(mini_hf_entry(hf, e->string, &f) != NULL, "%s: %s is in the index but in no shard", dir,
                  e->string);
    }
    return true;
}

void mini_hf_close(mini_hf *hf)
{
    for (int i = 0; i < hf->n_files; i++) {
        free(hf->files[i].file);
        cJSON_Delete(hf->files[i].header);
    }
    cJSON_Delete(hf->config);
    cJSON_Delete(hf->tokenizer);
    cJSON_Delete(hf->tokenizer_config);
    cJSON_Delete(hf->index);
    memset(hf, 0, sizeof *hf);
}

const cJSON *mini_hf_entry(const mini_hf *hf, const char *name, const mini_st_file **file)
{
    for (int i = 0; i < hf->n_files; i++) {
        const cJSON *e = cJSON_GetObjectItem(hf->files[i].header, name);
        if (e) {
            *file = &hf->files[i];
            return e;
        }
    }
    return NULL;
}

static float fp8_e4m3(uint8_t b)
{
    int e = (b >> 3) & 15, m = b & 7;
    float v = e ? ldexpf((float)(8 + m), e - 10) : ldexpf((float)m, -9);
    return b & 0x80 ? -v : v;
}

float *mini_hf_f32(const mini_hf *hf, const char *name, uint64_t *count)
{
    const mini_st_file *f;
    const cJSON *e = mini_hf_entry(hf, name, &f);
    if (!e)
        return NULL;
    const char *dtype = cJSON_GetObjectItem(e, "dtype")->valuestring;
    const cJSON *shape = cJSON_GetObjectItem(e, "shape");
    uint64_t n = 1, cols = 1;
    for (const cJSON *d = shape->child; d; d = d->next)
        n *= (uint64_t)d->valuedouble, cols = (uint64_t)d->valuedouble;
    const uint8_t *p = f->file + f->data_start + (uint64_t)cJSON_GetObjectItem(e, "data_offsets")->child->valuedouble;
    float *y = malloc(n * sizeof(float)), *scale = NULL;
    if (strcmp(dtype, "F8_E4M3") == 0) {
        char scale_name[160];
        snprintf(scale_name, sizeof scale_name, "%s_scale_inv", name);
        uint64_t blocks;
        scale = mini_hf_f32(hf, scale_name, &blocks);
        CHECK_MSG(scale && blocks == ((n / cols + 127) / 128) * ((cols + 127) / 128), "%s: scale_inv missing or "
                  "wrong size", name);
    }
    for (uint64_t i = 0; i < n; i++) {
        if (strcmp(dtype, "F32") == 0)
            memcpy(&y[i], p + 4 * i, 4);
        else if (strcmp(dtype, "F16") == 0)
            y[i] = half_at(p + 2 * i);
        else if (strcmp(dtype, "BF16") == 0)
            y[i] = mlavk_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
        else
            y[i] = fp8_e4m3(p[i]) * (scale ? scale[(i / cols / 128) * ((cols + 127) / 128) + i % cols / 128] : NAN);
    }
    free(scale);
    *count = n;
    return y;
}
