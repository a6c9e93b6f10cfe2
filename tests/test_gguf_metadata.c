/* GGUF v2 and v3: every metadata value type, arrays of strings, nested arrays, integer coercion, alignment,
 * tensor lookup and data, from memory and from a mapped file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ggml_type.h"
#include "formats/gguf.h"
#include "model_writer.h"

static void put_scalars(gguf_writer *w, test_rng *rng, uint64_t *u64, int64_t *i64)
{
    uint8_t u8 = 200, i8 = (uint8_t)-100, bool_true = 1;
    *u64 = test_rng_u64(rng);
    *i64 = -(int64_t)(test_rng_u64(rng) >> 2);
    gw_key(w, "v.u8", 0), bb_put(&w->kv, &u8, 1);
    gw_key(w, "v.i8", 1), bb_put(&w->kv, &i8, 1);
    gw_key(w, "v.u16", 2), bb_put(&w->kv, "\x34\x12", 2);
    gw_key(w, "v.i16", 3), bb_put(&w->kv, "\xfe\xff", 2);
    gw_u32(w, "v.u32", 4000000000u);
    gw_key(w, "v.i32", 5), bb_u32(&w->kv, (uint32_t)-7);
    gw_f32(w, "v.f32", 0.25f);
    gw_key(w, "v.bool", 7), bb_put(&w->kv, &bool_true, 1);
    gw_str(w, "v.string", "héllo");
    gw_key(w, "v.u64", 10), bb_u64(&w->kv, *u64);
    gw_key(w, "v.i64", 11), bb_u64(&w->kv, (uint64_t)*i64);
    double f64 = -1.5e300;
    uint64_t bits;
    memcpy(&bits, &f64, 8);
    gw_key(w, "v.f64", 12), bb_u64(&w->kv, bits);
}

static void put_arrays(gguf_writer *w)
{
    gw_key(w, "a.strings", 9), bb_u32(&w->kv, 8), bb_u64(&w->kv, 3);
    bb_str(&w->kv, "x"), bb_str(&w->kv, ""), bb_str(&w->kv, "zzz");
    gw_key(w, "a.i16", 9), bb_u32(&w->kv, 3), bb_u64(&w->kv, 2), bb_put(&w->kv, "\xff\xff\x02\x00", 4);
    /* [[1, 2], ["s"]] */
    gw_key(w, "a.nested", 9), bb_u32(&w->kv, 9), bb_u64(&w->kv, 2);
    bb_u32(&w->kv, 4), bb_u64(&w->kv, 2), bb_u32(&w->kv, 1), bb_u32(&w->kv, 2);
    bb_u32(&w->kv, 8), bb_u64(&w->kv, 1), bb_str(&w->kv, "s");
    gw_u32(w, "general.alignment", 64);
}

static void check_scalars(const gguf_file *g, uint64_t u64, int64_t i64)
{
    uint32_t u32;
    uint64_t wide;
    int64_t signed_value;
    float f;
    bool b;
    gguf_string s;
    CHECK(gguf_get_u32(g, "v.u8", &u32) == MLAVK_OK && u32 == 200);
    CHECK(gguf_get_i64(g, "v.i8", &signed_value) == MLAVK_OK && signed_value == -100);
    CHECK(gguf_get_u32(g, "v.u16", &u32) == MLAVK_OK && u32 == 0x1234);
    CHECK(gguf_get_i64(g, "v.i16", &signed_value) == MLAVK_OK && signed_value == -2);
    CHECK(gguf_get_u64(g, "v.u32", &wide) == MLAVK_OK && wide == 4000000000u);
    CHECK(gguf_get_i64(g, "v.i32", &signed_value) == MLAVK_OK && signed_value == -7);
    CHECK(gguf_get_f32(g, "v.f32", &f) == MLAVK_OK && f == 0.25f);
    CHECK(gguf_get_bool(g, "v.bool", &b) == MLAVK_OK && b);
    CHECK(gguf_get_string(g, "v.string", &s) == MLAVK_OK && gguf_string_equals(s, "héllo"));
    CHECK(gguf_get_u64(g, "v.u64", &wide) == MLAVK_OK && wide == u64);
    CHECK(gguf_get_i64(g, "v.i64", &signed_value) == MLAVK_OK && signed_value == i64);
    CHECK(gguf_get_f32(g, "v.f64", &f) == MLAVK_OK && isinf(f));
    /* Coercion: refused when the value does not fit, with the key in the message. */
    CHECK(gguf_get_u32(g, "v.i32", &u32) == MLAVK_ERR_FORMAT && strstr(mlavk_last_error(), "'v.i32'"));
    CHECK(gguf_get_u32(g, "v.u64", &u32) == (u64 > UINT32_MAX ? MLAVK_ERR_FORMAT : MLAVK_OK));
    CHECK(gguf_get_u32(g, "v.string", &u32) == MLAVK_ERR_FORMAT);
    CHECK(gguf_get_bool(g, "v.u8", &b) == MLAVK_ERR_FORMAT);
    CHECK(gguf_get_u32(g, "no.such.key", &u32) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "missing required key 'no.such.key'"));
    CHECK(gguf_find(g, "no.such.key") == NULL);
}

static void check_arrays(const gguf_file *g)
{
    const gguf_array *a;
    gguf_value v;
    int64_t i;
    CHECK(gguf_get_array(g, "a.strings", &a) == MLAVK_OK && a->elem_type == GGUF_TYPE_STRING && a->count == 3);
    CHECK(a->count == 3 && gguf_string_equals(a->strings[0], "x") && a->strings[1].len == 0 &&
          gguf_string_equals(a->strings[2], "zzz"));
    CHECK(gguf_get_array(g, "a.i16", &a) == MLAVK_OK && a->count == 2);
    CHECK(gguf_array_scalar(a, 0, &v) && gguf_value_to_i64(&v, &i) && i == -1);
    CHECK(gguf_array_scalar(a, 1, &v) && gguf_value_to_i64(&v, &i) && i == 2);
    CHECK(!gguf_array_scalar(a, 2, &v));
    CHECK(gguf_get_array(g, "a.nested", &a) == MLAVK_OK && a->elem_type == GGUF_TYPE_ARRAY && a->count == 2);
    if (a->count == 2 && a->items) {
        const gguf_array *inner = &a->items[0].as.arr;
        CHECK(inner->elem_type == GGUF_TYPE_U32 && inner->count == 2);
        CHECK(gguf_array_scalar(inner, 1, &v) && gguf_value_to_i64(&v, &i) && i == 2);
        CHECK(a->items[1].as.arr.count == 1 && gguf_string_equals(a->items[1].as.arr.strings[0], "s"));
    }
}

static void check_tensors(const gguf_file *g, const float *data, uint64_t n)
{
    CHECK(gguf_alignment(g) == 64);
    CHECK(gguf_tensor_count(g) == 2);
    const gguf_tensor *t = gguf_find_tensor(g, "weights");
    CHECK(t && t->type == GGML_TYPE_F32 && t->n_dims == 2 && t->dims[0] == 8 && t->dims[2] == 1);
    CHECK(t && t->n_bytes == n * 4 && memcmp(t->data, data, n * 4) == 0);
    CHECK(t && ((uintptr_t)t->data - (uintptr_t)gguf_tensor_at(g, 0)->data) % 64 == 0);
    const gguf_tensor *q = gguf_find_tensor(g, "quant");
    CHECK(q && q->n_bytes == 2 * 144 && q->n_elements == 512);
    CHECK(gguf_find_tensor(g, "nothing") == NULL);
}

static void run(uint32_t version, test_rng *rng, const char *path)
{
    gguf_writer w;
    gw_init(&w);
    w.version = version;
    w.alignment = 64;
    uint64_t u64;
    int64_t i64;
    put_scalars(&w, rng, &u64, &i64);
    put_arrays(&w);
    uint64_t n = 8 * (1 + test_rng_below(rng, 5));
    float *data = malloc(n * sizeof *data);
    test_rng_fill(rng, data, n, -1, 1);
    uint64_t dims[2] = {8, n / 8}, qdims[1] = {512};
    uint8_t quant[2 * 144] = {0};
    gw_tensor(&w, "quant", GGML_TYPE_Q4_K, 1, qdims, quant, sizeof quant);
    gw_tensor(&w, "weights", GGML_TYPE_F32, 2, dims, data, n * 4);
    byte_buf file;
    gw_finish(&w, &file);
    gguf_file *g;
    CHECK_MSG(gguf_open_memory(file.data, file.size, "mem.gguf", &g) == MLAVK_OK, "v%u: %s", version,
              mlavk_last_error());
    if (g) {
        CHECK(gguf_version(g) == version && gguf_kv_count(g) == 16);
        check_scalars(g, u64, i64);
        check_arrays(g);
        check_tensors(g, data, n);
        gguf_close(g);
    }
    CHECK(bb_write_file(file.data, file.size, path));
    CHECK_MSG(gguf_open(path, &g) == MLAVK_OK, "%s", mlavk_last_error());
    if (g) {
        check_tensors(g, data, n);
        gguf_close(g);
    }
    remove(path);
    free(data);
    bb_free(&file);
}

int main(void)
{
    test_rng rng = {42};
    run(2, &rng, "gguf_metadata_v2.gguf");
    run(3, &rng, "gguf_metadata_v3.gguf");
    return test_finish("gguf_reads_every_metadata_type_and_tensor");
}
