/* The host block decoders behind dequantize_to_f32, one per type of weight_types.h, split by family into
 * dequant.c (plain types), dequant_legacy.c (32-element blocks), dequant_k.c (256-element super-blocks),
 * dequant_codebook.c (4-bit codes indexing a table of 16 values), dequant_ternary.c (256-element ternary blocks)
 * and dequant_iq2.c / dequant_iq3.c / dequant_iq1.c (256-element blocks indexing ggml's grids). */
#ifndef MLAVK_FORMATS_DEQUANT_BLOCKS_H
#define MLAVK_FORMATS_DEQUANT_BLOCKS_H

#include <stdint.h>

#include "formats/weight_types.h"
#include "util/half.h"

/* Decodes one block (ggml_type_get(T)->block_elems values; one value for plain types). */
#define DEQUANT_BLOCK_DECLARE(T, t, unit_elems, gemm_items) void dequant_block_##t(const uint8_t *block, float *out);
MLAVK_WEIGHT_TYPES(DEQUANT_BLOCK_DECLARE)
#undef DEQUANT_BLOCK_DECLARE

static inline float dequant_f16_at(const uint8_t *p) { return mlavk_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

#endif
