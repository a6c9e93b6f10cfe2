/* Reference decoders of the 256-element ternary types (TQ1_0, TQ2_0). */
#include "ref_dequant_blocks.h"

/* TQ2_0 {qs[64], d}: element e = 128n + 32j + l is d times bits 2j of qs[32n + l], less 1. */
void ref_block_tq2_0(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 64));
    for (int e = 0; e < 256; e++)
        out[e] = d * (((b[e / 128 * 32 + e % 32] >> (e % 128 / 32 * 2)) & 3) - 1);
}

/* Values are -d .. 2d (q = 3 is unused by the quantizer but decodes). */
void ref_random_block_tq2_0(test_rng *rng, uint8_t *b) { ref_put16(b + 64, ref_random_f16(rng, -1, 1)); }
