/* The per-type pieces of the CPU reference (ref_dequant.h), one pair per type of formats/weight_types.h, split by
 * family into ref_dequant.c (plain types), ref_dequant_legacy.c (32-element blocks), ref_dequant_k.c (256-element
 * super-blocks), ref_dequant_codebook.c (4-bit codebooks), ref_dequant_ternary.c (256-element ternary blocks) and
 * ref_dequant_iq2.c / ref_dequant_iq3.c / ref_dequant_iq1.c (grid types; the grids are format data shared with the
 * host decoders, the decoding logic is not). Written from the GGUF block definitions; no code is shared with
 * runtime/. */
#ifndef MLAVK_REF_DEQUANT_BLOCKS_H
#define MLAVK_REF_DEQUANT_BLOCKS_H

#include <stdint.h>

#include "formats/weight_types.h"
#include "test_util.h"

/* ref_block_<t>: decodes one block (one value for plain types) in double.
 * ref_random_block_<t>: makes a block of random bytes a sane one (scales in a range that keeps values O(1); for
 * plain types, a value in [-1, 1)); every other byte pattern is a valid quant. */
#define REF_BLOCK_DECLARE(T, t, unit_elems, gemm_items)                                                             \
    void ref_block_##t(const uint8_t *block, double *out);                                                           \
    void ref_random_block_##t(test_rng *rng, uint8_t *block);
MLAVK_WEIGHT_TYPES(REF_BLOCK_DECLARE)
#undef REF_BLOCK_DECLARE

double ref_f16(uint16_t bits);
static inline uint16_t ref_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void ref_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
/* A random half-precision scale in [lo, hi). */
uint16_t ref_random_f16(test_rng *rng, double lo, double hi);

#endif
