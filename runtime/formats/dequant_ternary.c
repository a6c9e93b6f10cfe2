/* Host decoders of the 256-element ternary types (ggml's TQ1_0, TQ2_0). */
#include "formats/dequant_blocks.h"

/* TQ2_0 {qs[64], d}: value d * (q - 1), q the 2 bits at 2j of qs[32 * half + l] for element 128 * half + 32j + l. */
void dequant_block_tq2_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_TQ2_0_D);
    const uint8_t *qs = b + BLOCK_TQ2_0_QS;
    for (int half = 0; half < 2; half++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                *y++ = d * (((qs[32 * half + l] >> (2 * j)) & 3) - 1);
}

/* Digit k (0-4) of a base-3 packed byte: the byte holds ceil(v * 256 / 243) for the 5-digit number v, so multiplying
 * by 3^k (mod 256) brings digit k to the top, where * 3 >> 8 reads it. */
static int ternary_digit(uint8_t x, int k)
{
    static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
    return (uint8_t)(x * pow3[k]) * 3 >> 8;
}

/* TQ1_0 {qs[48], qh[4], d}: digit k of qs[m] is element 32k + m (m < 32) or 160 + 16k + m - 32, digit k (< 4) of
 * qh[m] element 240 + 4k + m; value d * (digit - 1). */
void dequant_block_tq1_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_TQ1_0_D);
    const uint8_t *qs = b + BLOCK_TQ1_0_QS, *qh = b + BLOCK_TQ1_0_QH;
    for (int k = 0; k < 5; k++)
        for (int m = 0; m < 32; m++)
            y[32 * k + m] = d * (ternary_digit(qs[m], k) - 1);
    for (int k = 0; k < 5; k++)
        for (int m = 0; m < 16; m++)
            y[160 + 16 * k + m] = d * (ternary_digit(qs[32 + m], k) - 1);
    for (int k = 0; k < 4; k++)
        for (int m = 0; m < 4; m++)
            y[240 + 4 * k + m] = d * (ternary_digit(qh[m], k) - 1);
}
