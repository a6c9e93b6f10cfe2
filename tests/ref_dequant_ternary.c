/* Reference decoders of the 256-element ternary types (TQ1_0, TQ2_0). */
#include "ref_dequant_blocks.h"

#include <math.h>

/* TQ2_0 {qs[64], d}: element e = 128n + 32j + l is d times bits 2j of qs[32n + l], less 1. */
void ref_block_tq2_0(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 64));
    for (int e = 0; e < 256; e++)
        out[e] = d * (((b[e / 128 * 32 + e % 32] >> (e % 128 / 32 * 2)) & 3) - 1);
}

/* Values are -d .. 2d (q = 3 is unused by the quantizer but decodes). */
void ref_random_block_tq2_0(test_rng *rng, uint8_t *b) { ref_put16(b + 64, ref_random_f16(rng, -1, 1)); }

/* TQ1_0 {qs[48], qh[4], d}: each byte x holds base-3 digits as a fraction of 256: digit k is the integer part of
 * 3 * frac(x * 3^k / 256). Digits 0-4 of qs[0..31] are elements 0-159 (32 per digit), of qs[32..47] 160-239 (16 per
 * digit); digits 0-3 of qh[0..3] are 240-255 (4 per digit). */
void ref_block_tq1_0(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 52));
    for (int e = 0; e < 256; e++) {
        int byte, digit;
        if (e < 160)
            byte = e % 32, digit = e / 32;
        else if (e < 240)
            byte = 32 + (e - 160) % 16, digit = (e - 160) / 16;
        else
            byte = 48 + (e - 240) % 4, digit = (e - 240) / 4;
        double scaled = b[byte] * pow(3, digit) / 256;
        out[e] = d * (floor(3 * (scaled - floor(scaled))) - 1);
    }
}

void ref_random_block_tq1_0(test_rng *rng, uint8_t *b) { ref_put16(b + 52, ref_random_f16(rng, -1, 1)); }
