/* The GGUF writer (runtime/formats/gguf_out.c): every metadata value type copied from a file built by the test
 * writer (scalars of each width and sign, a string, arrays of strings, of i16, nested arrays), new keys, and tensors
 * of odd sizes (copied or borrowed) read back by the reader equal to what was written, data aligned; a file that cannot be created fails
 * in one line and leaves no temporary file; saving over an existing file replaces it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/ggml_type.h"
#include "formats/gguf.h"
#include "formats/gguf_out.h"
#include "model_writer.h"

static void source(byte_buf *out)
{
    gguf_writer w;
    gw_init(&w);
    uint8_t u8 = 200, i8 = (uint8_t)-100, yes = 1;
    gw_key(&w, "v.u8", 0), bb_put(&w.kv, &u8, 1);
    gw_key(&w, "v.i8", 1), bb_put(&w.kv, &i8, 1);
    gw_key(&w, "v.u16", 2), bb_put(&w.kv, "\x34\x12", 2);
    gw_key(&w, "v.i16", 3), bb_put(&w.kv, "\xfe\xff", 2);
    gw_u32(&w, "v.u32", 4000000000u);
    gw_key(&w, "v.i32", 5), bb_u32(&w.kv, (uint32_t)-7);
    gw_f32(&w, "v.f32", 0.1f);
    gw_key(&w, "v.bool", 7), bb_put(&w.kv, &yes, 1);
    gw_str(&w, "v.string", "h\xc3\xa9llo");
    gw_key(&w, "v.u64", 10), bb_u64(&w.kv, 0xfedcba9876543210ull);
    gw_key(&w, "v.i64", 11), bb_u64(&w.kv, (uint64_t)-123456789012345ll);
    double f64 = -1.5e300;
    uint64_t bits;
    memcpy(&bits, &f64, 8);
    gw_key(&w, "v.f64", 12), bb_u64(&w.kv, bits);
    gw_key(&w, "a.strings", 9), bb_u32(&w.kv, 8), bb_u64(&w.kv, 3);
    bb_str(&w.kv, "x"), bb_str(&w.kv, ""), bb_str(&w.kv, "zzz");
    gw_key(&w, "a.i16", 9), bb_u32(&w.kv, 3), bb_u64(&w.kv, 2), bb_put(&w.kv, "\xff\xff\x02\x00", 4);
    gw_key(&w, "a.nested", 9), bb_u32(&w.kv, 9), bb_u64(&w.kv, 2); /* [[1, 2], ["s"]] */
    bb_u32(&w.kv, 4), bb_u64(&w.kv, 2), bb_u32(&w.kv, 1), bb_u32(&w.kv, 2);
    bb_u32(&w.kv, 8), bb_u64(&w.kv, 1), bb_str(&w.kv, "s");
    gw_finish(&w, out);
}

static bool same_value(const gguf_value *a, const gguf_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case GGUF_TYPE_STRING:
        return a->as.str.len == b->as.str.len && memcmp(a->as.str.data, b->as.str.data, a->as.str.len) == 0;
    case GGUF_TYPE_F32: case GGUF_TYPE_F64:
        return a->as.f == b->as.f;
    case GGUF_TYPE_I8: case GGUF_TYPE_I16: case GGUF_TYPE_I32: case GGUF_TYPE_I64:
        return a->as.i == b->as.i;
    case GGUF_TYPE_ARRAY: {
        const gguf_array *x = &a->as.arr, *y = &b->as.arr;
        if (x->elem_type != y->elem_type || x->count != y->count)
            return false;
        for (uint64_t i = 0; i < x->count; i++) {
            if (x->elem_type == GGUF_TYPE_STRING) {
                gguf_value sa = {GGUF_TYPE_STRING, {.str = x->strings[i]}};
                gguf_value sb = {GGUF_TYPE_STRING, {.str = y->strings[i]}};
                if (!same_value(&sa, &sb))
                    return false;
            } else if (x->elem_type == GGUF_TYPE_ARRAY) {
                if (!same_value(&x->items[i], &y->items[i]))
                    return false;
            } else {
                gguf_value ea, eb;
                if (!gguf_array_scalar(x, i, &ea) || !gguf_array_scalar(y, i, &eb) || !same_value(&ea, &eb))
                    return false;
            }
        }
        return true;
    }
    default:
        return a->as.u == b->as.u;
    }
}

int main(void)
{
    byte_buf src = {0};
    source(&src);
    gguf_file *in;
    CHECK(gguf_open_memory(src.data, src.size, "source", &in) == MLAVK_OK);
    gguf_out *w;
    CHECK(gguf_out_create(&w) == MLAVK_OK);
    for (uint64_t i = 0; i < gguf_kv_count(in); i++)
        CHECK(gguf_out_copy(w, gguf_kv_at(in, i)) == MLAVK_OK);
    CHECK(gguf_out_u32(w, "n.u32", 77) == MLAVK_OK && gguf_out_f32(w, "n.f32", -2.5f) == MLAVK_OK);
    CHECK(gguf_out_string(w, "n.string", "new") == MLAVK_OK);
    float matrix[7 * 3];
    uint16_t halves[5] = {0x3c00, 0xc000, 0x0001, 0x7bff, 0x8000};
    for (int i = 0; i < 21; i++)
        matrix[i] = (float)i * 0.37f - 3.0f;
    uint64_t dims2[2] = {7, 3}, dims1[1] = {5};
    CHECK(gguf_out_tensor(w, "m", GGML_TYPE_F32, 2, dims2, matrix, sizeof matrix) == MLAVK_OK);
    CHECK(gguf_out_tensor(w, "h", GGML_TYPE_F16, 1, dims1, halves, sizeof halves) == MLAVK_OK);
    static const float borrowed[3] = {1.5f, -2.0f, 7.25f};
    uint64_t dims3[1] = {3};
    CHECK(gguf_out_tensor_borrowed(w, "b", GGML_TYPE_F32, 1, dims3, borrowed, sizeof borrowed) == MLAVK_OK);
    for (int i = 0; i < 21; i++) /* a copied tensor does not see later changes */
        matrix[i] = -matrix[i];
    const char *path = "gguf_out_round_trip.gguf";
    FILE *old = fopen(path, "wb"); /* an existing file is replaced */
    if (old)
        fputs("old", old), fclose(old);
    CHECK(gguf_out_save(w, path) == MLAVK_OK);
    CHECK(access("gguf_out_round_trip.gguf.tmp", F_OK) != 0);
    CHECK(gguf_out_save(w, "no_such_dir/x.gguf") == MLAVK_ERR_IO);
    CHECK(strcmp(mlavk_last_error(), "no_such_dir/x.gguf: cannot create the file") == 0);
    CHECK(access("no_such_dir/x.gguf.tmp", F_OK) != 0);
    gguf_out_free(w);

    gguf_file *back;
    CHECK(gguf_open(path, &back) == MLAVK_OK);
    CHECK(gguf_kv_count(back) == gguf_kv_count(in) + 3);
    for (uint64_t i = 0; i < gguf_kv_count(in); i++) {
        const gguf_kv *a = gguf_kv_at(in, i), *b = gguf_kv_at(back, i);
        CHECK_MSG(strcmp(a->key, b->key) == 0 && same_value(&a->value, &b->value), "key %s differs", a->key);
    }
    uint32_t u32;
    float f;
    gguf_string s;
    CHECK(gguf_get_u32(back, "n.u32", &u32) == MLAVK_OK && u32 == 77);
    CHECK(gguf_get_f32(back, "n.f32", &f) == MLAVK_OK && f == -2.5f);
    CHECK(gguf_get_string(back, "n.string", &s) == MLAVK_OK && gguf_string_equals(s, "new"));
    const gguf_tensor *m = gguf_find_tensor(back, "m"), *h = gguf_find_tensor(back, "h");
    CHECK(m && m->type == GGML_TYPE_F32 && m->n_dims == 2 && m->dims[0] == 7 && m->dims[1] == 3);
    for (int i = 0; i < 21; i++)
        matrix[i] = -matrix[i];
    CHECK(m && memcmp(m->data, matrix, sizeof matrix) == 0 && m->offset % GGUF_DEFAULT_ALIGNMENT == 0);
    const gguf_tensor *b = gguf_find_tensor(back, "b");
    CHECK(b && b->dims[0] == 3 && memcmp(b->data, borrowed, sizeof borrowed) == 0);
    CHECK(h && h->type == GGML_TYPE_F16 && h->n_dims == 1 && h->dims[0] == 5);
    CHECK(h && memcmp(h->data, halves, sizeof halves) == 0 && h->offset % GGUF_DEFAULT_ALIGNMENT == 0);
    gguf_close(back);
    gguf_close(in);
    bb_free(&src);
    remove(path);
    return test_finish("gguf_out");
}
