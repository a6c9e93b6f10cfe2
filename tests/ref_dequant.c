#include "ref_dequant.h"

#include <math.h>
#include <string.h>

#include "ref_dequant_blocks.h"
#include "util/half.h"

double ref_f16(uint16_t bits)
{
    int exponent = (bits >> 10) & 31, mantissa = bits & 1023;
    double sign = (bits & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0)
        return sign * ldexp(mantissa, -24);
    if (exponent == 31)
        return mantissa ? NAN : sign * INFINITY;
    return sign * ldexp(1024 + mantissa, exponent - 25);
}

uint16_t ref_random_f16(test_rng *rng, double lo, double hi)
{
    return mlavk_f32_to_f16((float)test_rng_uniform(rng, lo, hi));
}

/* Plain types: one value per "block". */
void ref_block_f32(const uint8_t *b, double *out)
{
    float f;
    memcpy(&f, b, 4);
    *out = f;
}
void ref_block_f16(const uint8_t *b, double *out) { *out = ref_f16(ref_le16(b)); }
void ref_block_bf16(const uint8_t *b, double *out)
{
    uint32_t bits = (uint32_t)ref_le16(b) << 16;
    float f;
    memcpy(&f, &bits, 4);
    *out = f;
}
void ref_random_block_f32(test_rng *rng, uint8_t *b)
{
    float v = (float)test_rng_uniform(rng, -1, 1);
    memcpy(b, &v, 4);
}
void ref_random_block_f16(test_rng *rng, uint8_t *b)
{
    ref_put16(b, mlavk_f32_to_f16((float)test_rng_uniform(rng, -1, 1)));
}
void ref_random_block_bf16(test_rng *rng, uint8_t *b)
{
    ref_put16(b, mlavk_f32_to_bf16((float)test_rng_uniform(rng, -1, 1)));
}

#define REF_TYPE(T, t, unit_elems, gemm_items) GGML_TYPE_##T,
const ggml_type ref_weight_types[] = {MLAVK_WEIGHT_TYPES(REF_TYPE)};
#undef REF_TYPE
const size_t ref_weight_type_count = sizeof ref_weight_types / sizeof ref_weight_types[0];

typedef struct ref_decoder {
    void (*block)(const uint8_t *block, double *out);
    void (*random_block)(test_rng *rng, uint8_t *block);
} ref_decoder;

static ref_decoder decoder_of(ggml_type type)
{
    switch (type) {
#define REF_CASE(T, t, unit_elems, gemm_items) case GGML_TYPE_##T: return (ref_decoder){ref_block_##t, ref_random_block_##t};
        MLAVK_WEIGHT_TYPES(REF_CASE)
#undef REF_CASE
    default:
        return (ref_decoder){NULL, NULL};
    }
}

size_t ref_row_bytes(ggml_type type, uint32_t cols)
{
    const ggml_type_traits *t = ggml_type_get(type);
    if (!t || !decoder_of(type).block || cols % t->block_elems)
        return 0;
    return (size_t)cols / t->block_elems * t->block_bytes;
}

void ref_dequant_row(ggml_type type, const uint8_t *row, uint32_t cols, double *out)
{
    const ggml_type_traits *t = ggml_type_get(type);
    ref_decoder d = decoder_of(type);
    for (uint32_t blk = 0; blk < cols / t->block_elems; blk++)
        d.block(row + (size_t)blk * t->block_bytes, out + (size_t)blk * t->block_elems);
}

void ref_random_weights(test_rng *rng, ggml_type type, uint32_t rows, uint32_t cols, uint8_t *out)
{
    const ggml_type_traits *t = ggml_type_get(type);
    size_t bytes = ref_row_bytes(type, cols) * rows;
    for (size_t i = 0; i < bytes; i++)
        out[i] = (uint8_t)test_rng_u64(rng);
    ref_decoder d = decoder_of(type);
    for (size_t i = 0; i < bytes / t->block_bytes; i++)
        d.random_block(rng, out + i * t->block_bytes);
}
