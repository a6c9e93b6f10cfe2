/* safetensors: shapes, dtypes and data of a valid file; each kind of bad header refused with a one-line message. */
#include <stdlib.h>
#include <string.h>

#include "formats/safetensors.h"
#include "model_writer.h"

static void expect_failure(const char *header, uint64_t data_bytes, const char *message)
{
    byte_buf file = {0};
    bb_u64(&file, strlen(header));
    bb_put(&file, header, strlen(header));
    uint8_t zeros[64] = {0};
    bb_put(&file, zeros, data_bytes);
    st_file *st = NULL;
    mlavk_status status = st_open_memory(file.data, file.size, "bad.safetensors", &st);
    CHECK_MSG(status != MLAVK_OK, "accepted: %s", header);
    CHECK_MSG(strncmp(mlavk_last_error(), "bad.safetensors: ", 17) == 0 && strstr(mlavk_last_error(), message),
              "message '%s' lacks '%s'", mlavk_last_error(), message);
    if (status == MLAVK_OK)
        st_close(st);
    bb_free(&file);
}

static void check_valid(test_rng *rng)
{
    uint64_t rows = 2 + test_rng_below(rng, 8), cols = 1 + test_rng_below(rng, 9);
    float *values = malloc(rows * cols * 4);
    test_rng_fill(rng, values, rows * cols, -1, 1);
    uint16_t bf[3] = {1, 2, 3};
    uint64_t shape[2] = {rows, cols}, shape1[1] = {3};
    st_writer w;
    sw_init(&w);
    sw_tensor(&w, "m.weight", "F32", 2, shape, values, rows * cols * 4);
    sw_tensor(&w, "n.weight", "BF16", 1, shape1, bf, 6);
    sw_tensor(&w, "ids", "I64", 0, shape, values, 8);
    byte_buf file;
    sw_finish(&w, &file);
    st_file *st;
    CHECK_MSG(st_open_memory(file.data, file.size, "ok.safetensors", &st) == MLAVK_OK, "%s", mlavk_last_error());
    if (st) {
        const st_tensor *m = st_find(st, "m.weight");
        CHECK(st_tensor_count(st) == 3);
        CHECK(m && m->dtype == ST_F32 && m->n_dims == 2 && m->shape[0] == rows && m->shape[1] == cols);
        CHECK(m && memcmp(m->data, values, rows * cols * 4) == 0);
        const st_tensor *n = st_find(st, "n.weight");
        CHECK(n && n->dtype == ST_BF16 && n->n_bytes == 6 && memcmp(n->data, bf, 6) == 0);
        const st_tensor *ids = st_find(st, "ids");
        CHECK(ids && ids->dtype == ST_I64 && ids->n_dims == 0 && ids->n_elements == 1);
        CHECK(st_find(st, "__metadata__") == NULL && st_find(st, "other") == NULL);
        st_close(st);
    }
    bb_free(&file);
    free(values);
}

int main(void)
{
    test_rng rng = {11};
    for (int i = 0; i < 4; i++)
        check_valid(&rng);
    expect_failure("{\"a\": [1,,]}", 0, "invalid JSON in the header near byte");
    expect_failure("[]", 0, "the header is not a JSON object");
    expect_failure("{\"a\":{\"dtype\":\"F17\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unknown dtype 'F17'");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
                   "tensor 'a' has 4 data bytes but its shape and dtype need 8");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "lie outside the 4 data");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "lie outside");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, "shape holds");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4,
                   "shape overflows");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap");
    expect_failure("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                   "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "duplicate tensor name 'a'");
    uint8_t long_header[12] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}', 0, 0};
    st_file *st;
    CHECK(st_open_memory(long_header, sizeof long_header, "x.safetensors", &st) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "x.safetensors: header length 65535 is larger than the file (12 bytes)"));
    CHECK(st_open_memory(long_header, 5, "x.safetensors", &st) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "truncated file"));
    CHECK(st_open_memory(long_header, 0, "x.safetensors", &st) == MLAVK_ERR_FORMAT &&
          strstr(mlavk_last_error(), "x.safetensors: empty file"));
    return test_finish("safetensors_reads_and_rejects_headers");
}
