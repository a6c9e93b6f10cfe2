/* The GGUF parser refuses each kind of corruption with a message naming the file and the problem, and every
 * truncation of a valid file fails cleanly. */
#include <stdlib.h>
#include <string.h>

#include "formats/gguf.h"
#include "model_writer.h"

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Header 24 bytes; then key "k" (u32) at 24..40; tensor "t" {n} f32 info at 41. */
static void build(byte_buf *out, test_rng *rng, uint32_t n, const char *second_key, const char *second_tensor)
{
    gguf_writer w;
    gw_init(&w);
    gw_u32(&w, "k", test_rng_below(rng, 1000));
    if (second_key)
        gw_u32(&w, second_key, 1);
    float *data = calloc(n, sizeof *data);
    test_rng_fill(rng, data, n, -1, 1);
    uint64_t dims[1] = {n};
    gw_tensor(&w, "t", 0, 1, dims, data, n * 4);
    if (second_tensor)
        gw_tensor(&w, second_tensor, 0, 1, dims, data, n * 4);
    gw_finish(&w, out);
    free(data);
}

static void expect(const uint8_t *data, size_t size, const char *what, const char *message)
{
    gguf_file *g = NULL;
    mlavk_status status = gguf_open_memory(data, size, "bad.gguf", &g);
    CHECK_MSG(status != MLAVK_OK, "%s: accepted", what);
    CHECK_MSG(g == NULL || status == MLAVK_OK, "%s: handle left on failure", what);
    CHECK_MSG(strncmp(mlavk_last_error(), "bad.gguf: ", 10) == 0 && strstr(mlavk_last_error(), message) &&
                  !strchr(mlavk_last_error(), '\n'),
              "%s: message '%s' lacks '%s'", what, mlavk_last_error(), message);
    if (status == MLAVK_OK)
        gguf_close(g);
}

typedef struct corruption {
    const char *what;
    size_t at;
    int width; /* 4 or 8 */
    uint64_t value;
    const char *message;
} corruption;

int main(void)
{
    test_rng rng = {7};
    uint32_t n = 8 * (1 + test_rng_below(&rng, 4));
    byte_buf ok;
    build(&ok, &rng, n, NULL, NULL);
    const size_t tensor_info = 24 + 8 + 1 + 4 + 4; /* after key "k": len, name, type, u32 value */
    const size_t dim0 = tensor_info + 8 + 1 + 4, type = dim0 + 8, offset = type + 4;
    const corruption cases[] = {
        {"magic", 0, 4, 0x4c4d4747, "not a GGUF file (wrong magic"},
        {"version 1", 4, 4, 1, "unsupported GGUF version 1"},
        {"version 4", 4, 4, 4, "unsupported GGUF version 4"},
        {"big-endian", 4, 4, 0x03000000, "big-endian GGUF"},
        {"tensor count", 8, 8, 1ull << 50, "claims 1125899906842624 tensors"},
        {"kv count", 16, 8, 1ull << 50, "claims 1125899906842624 metadata pairs"},
        {"key length", 24, 8, 1ull << 40, "metadata key at offset 24 has length 1099511627776"},
        {"value type", 33, 4, 13, "key 'k' has unknown metadata value type 13"},
        {"n_dims 5", tensor_info + 9, 4, 5, "tensor 't' has 5 dimensions"},
        {"n_dims 0", tensor_info + 9, 4, 0, "tensor 't' has 0 dimensions"},
        {"dim 0", dim0, 8, 0, "tensor 't' has dimension 0 of size 0"},
        {"type id", type, 4, 4, "tensor 't' has unknown type id 4"},
        {"row not whole blocks", type, 4, 12, "not a multiple of the q4_K block size 256"},
        {"offset", offset, 8, 1u << 20, "tensor 't' offset 1048576 is past the end"},
        {"misaligned", offset, 8, 4, "offset 4 is not a multiple of the alignment 32"},
        {"data too large", dim0, 8, n + 8, "runs past the end of the file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *copy = malloc(ok.size);
        memcpy(copy, ok.data, ok.size);
        if (cases[i].width == 8)
            put_u64(copy + cases[i].at, cases[i].value);
        else
            for (int b = 0; b < 4; b++)
                copy[cases[i].at + b] = (uint8_t)(cases[i].value >> (8 * b));
        expect(copy, ok.size, cases[i].what, cases[i].message);
        free(copy);
    }
    expect(ok.data, 0, "empty", "empty file");
    for (size_t len = 1; len < ok.size; len++)
        expect(ok.data, len, "truncated", "");
    byte_buf dup;
    build(&dup, &rng, n, "k", NULL);
    expect(dup.data, dup.size, "duplicate key", "duplicate metadata key 'k'");
    bb_free(&dup);
    build(&dup, &rng, n, NULL, "t");
    expect(dup.data, dup.size, "duplicate tensor", "duplicate tensor name 't'");
    bb_free(&dup);

    build(&dup, &rng, n, "general.alignment", NULL); /* value 1: a power of two, accepted */
    gguf_file *g;
    CHECK_MSG(gguf_open_memory(dup.data, dup.size, "align1.gguf", &g) == MLAVK_OK, "%s", mlavk_last_error());
    gguf_close(g);
    dup.data[24 + 17 + 8 + strlen("general.alignment") + 4] = 48;
    expect(dup.data, dup.size, "alignment 48", "general.alignment is not a power of two");
    bb_free(&dup);

    CHECK_MSG(gguf_open_memory(ok.data, ok.size, "ok.gguf", &g) == MLAVK_OK, "%s", mlavk_last_error());
    gguf_close(g);
    CHECK(gguf_open("/nonexistent/model.gguf", &g) == MLAVK_ERR_IO &&
          strstr(mlavk_last_error(), "/nonexistent/model.gguf: cannot open"));
    bb_free(&ok);
    return test_finish("gguf_rejects_corrupt_files_with_one_line_messages");
}
