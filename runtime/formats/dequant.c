#include "formats/dequant.h"

#include <string.h>

#include "formats/dequant_blocks.h"
#include "formats/ggml_type.h"
#include "util/status.h"

void dequant_block_f32(const uint8_t *b, float *y) { memcpy(y, b + BLOCK_F32_VALUE, sizeof *y); }
void dequant_block_f16(const uint8_t *b, float *y) { *y = dequant_f16_at(b + BLOCK_F16_VALUE); }
void dequant_block_bf16(const uint8_t *b, float *y)
{
    const uint8_t *v = b + BLOCK_BF16_VALUE;
    *y = mlavk_bf16_to_f32((uint16_t)(v[0] | v[1] << 8));
}

typedef void (*block_decoder)(const uint8_t *block, float *out);

static block_decoder decoder_of(uint32_t type)
{
    switch (type) {
#define DECODER_CASE(T, t, unit_elems, gemm_items) case GGML_TYPE_##T: return dequant_block_##t;
        MLAVK_WEIGHT_TYPES(DECODER_CASE)
#undef DECODER_CASE
    default:
        return NULL;
    }
}

mlavk_status dequantize_to_f32(uint32_t type, const void *src, float *dst, uint64_t n, const char *name)
{
    const ggml_type_traits *t = ggml_type_get(type);
    block_decoder decode = decoder_of(type);
    if (!t || !decode || n % t->block_elems)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: cannot decode type %s", name, t ? t->name : "unknown");
    const uint8_t *p = src;
    for (uint64_t block = 0; block < n / t->block_elems; block++, p += t->block_bytes)
        decode(p, dst + block * t->block_elems);
    return MLAVK_OK;
}
