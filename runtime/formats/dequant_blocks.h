/* The host block decoders behind dequantize_to_f32, one per type of weight_types.h, split by family into
 * dequant.c (plain types), dequant_legacy.c (32-element blocks), dequant_k.c (256-element super-blocks),
 * dequant_codebook.c (4-bit codes indexing a table of 16 values), dequant_ternary.c (256-element ternary blocks)
 * and dequant_iq2.c / dequant_iq3.c / dequant_iq1.c (256-element blocks indexing ggml's grids). They read the
 * fields the GPU decoders read, named in shaders/include/block_layouts.h, whose layouts are checked here. */
#ifndef MLAVK_FORMATS_DEQUANT_BLOCKS_H
#define MLAVK_FORMATS_DEQUANT_BLOCKS_H

#include <stdint.h>

#include "block_layouts.h"
#include "formats/weight_types.h"
#include "util/half.h"

/* Every type of weight_types.h has a layout whose fields follow one another from byte 0 to the block's end, and a
 * block of an even size has its fields at even offsets (the shaders read 16 bits and more at even addresses). */
#define BLOCK_FIELD_SIZE(T, field, bytes, next) +(bytes)
#define BLOCK_FIELD_CHECK(T, field, bytes, next) \
    _Static_assert(BLOCK_##T##_##field + (bytes) == BLOCK_##T##_##next, #T ": " #next " follows " #field); \
    _Static_assert(BLOCK_##T##_BYTES % 2 != 0 || BLOCK_##T##_##field % 2 == 0, #T ": " #field " at an even offset");
#define BLOCK_LAYOUT_CHECK(T, t, unit_elems, gemm_items) \
    _Static_assert(0 BLOCK_##T##_FIELDS(BLOCK_FIELD_SIZE) == BLOCK_##T##_BYTES, #T ": fields fill the block"); \
    BLOCK_##T##_FIELDS(BLOCK_FIELD_CHECK)
MLAVK_WEIGHT_TYPES(BLOCK_LAYOUT_CHECK)
#undef BLOCK_LAYOUT_CHECK
#undef BLOCK_FIELD_CHECK
#undef BLOCK_FIELD_SIZE

/* What the shader decoders (quant_*.glsl) assume beyond the names. Fields read as whole 32-bit words: */
#define BLOCK_WORDS_CHECK(T, field) \
    _Static_assert(BLOCK_##T##_BYTES % 4 == 0 && BLOCK_##T##_##field % 4 == 0, #T ": " #field " is whole words");
BLOCK_WORDS_CHECK(Q4_1, D)
BLOCK_WORDS_CHECK(Q4_1, QS)
BLOCK_WORDS_CHECK(Q5_1, D)
BLOCK_WORDS_CHECK(Q5_1, QH)
BLOCK_WORDS_CHECK(Q5_1, QS)
BLOCK_WORDS_CHECK(Q2_K, SCALES)
BLOCK_WORDS_CHECK(Q2_K, QS)
BLOCK_WORDS_CHECK(Q2_K, D)
BLOCK_WORDS_CHECK(IQ4_XS, D)
BLOCK_WORDS_CHECK(IQ4_XS, SCALES_L)
BLOCK_WORDS_CHECK(IQ4_XS, QS)
BLOCK_WORDS_CHECK(IQ1_M, QS)
BLOCK_WORDS_CHECK(IQ1_M, QH)
BLOCK_WORDS_CHECK(IQ1_M, SCALES)
#undef BLOCK_WORDS_CHECK
/* Two f16 in one word, the first in its low half: */
_Static_assert(BLOCK_Q4_1_M == BLOCK_Q4_1_D + 2 && BLOCK_Q5_1_M == BLOCK_Q5_1_D + 2 &&
                   BLOCK_Q2_K_DMIN == BLOCK_Q2_K_D + 2 && BLOCK_IQ4_XS_SCALES_H == BLOCK_IQ4_XS_D + 2,
               "d and m (dmin, scales_h) share a word");
/* Q4_K, Q5_K: whole 16-byte quads, the first d, dmin and the 12 bytes of scales; qh and qs whole quads. */
_Static_assert(BLOCK_Q4_K_BYTES % 16 == 0 && BLOCK_Q4_K_D == 0 && BLOCK_Q4_K_DMIN == 2 && BLOCK_Q4_K_SCALES == 4 &&
                   BLOCK_Q4_K_QS % 16 == 0,
               "Q4_K: quant_k.glsl reads the first quad as d, dmin, scales");
_Static_assert(BLOCK_Q5_K_BYTES % 16 == 0 && BLOCK_Q5_K_D == 0 && BLOCK_Q5_K_DMIN == 2 && BLOCK_Q5_K_SCALES == 4 &&
                   BLOCK_Q5_K_QH % 16 == 0 && BLOCK_Q5_K_QS % 16 == 0,
               "Q5_K: quant_k.glsl reads the first quad as d, dmin, scales");
/* Blocks picked apart from the words they span, by hand: */
_Static_assert(BLOCK_Q5_0_D == 0 && BLOCK_Q5_0_QH == 2 && BLOCK_Q5_0_QS == 6,
               "Q5_0: quant_legacy.glsl takes d, qh and qs from the block's words at these offsets");
_Static_assert(BLOCK_IQ4_NL_D == 0 && BLOCK_IQ4_NL_QS == 2,
               "IQ4_NL: quant_codebook.glsl takes d and qs from the block's words at these offsets");
_Static_assert(BLOCK_MXFP4_E == 0 && BLOCK_MXFP4_QS == 1,
               "MXFP4: quant_codebook.glsl takes e and qs from the block's words at these offsets");
_Static_assert(BLOCK_Q3_K_SCALES % 4 == 0 && BLOCK_Q3_K_D == BLOCK_Q3_K_SCALES + 12,
               "Q3_K: quant_k.glsl takes scales and d from the 4 words from the scales");
_Static_assert(BLOCK_TQ1_0_QH % 4 == 0 && BLOCK_TQ1_0_D == BLOCK_TQ1_0_QH + 4,
               "TQ1_0: quant_ternary.glsl takes qh and d from the 2 words from qh");

/* Decodes one block (ggml_type_get(T)->block_elems values; one value for plain types). */
#define DEQUANT_BLOCK_DECLARE(T, t, unit_elems, gemm_items) void dequant_block_##t(const uint8_t *block, float *out);
MLAVK_WEIGHT_TYPES(DEQUANT_BLOCK_DECLARE)
#undef DEQUANT_BLOCK_DECLARE

static inline float dequant_f16_at(const uint8_t *p) { return mlavk_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }
static inline uint32_t dequant_le32_at(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
