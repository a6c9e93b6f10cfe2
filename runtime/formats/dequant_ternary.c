/* Host decoders of the 256-element ternary types (ggml's TQ1_0, TQ2_0). */
#include "formats/dequant_blocks.h"

/* TQ2_0 {qs[64], d}: value d * (q - 1), q the 2 bits at 2j of qs[32 * half + l] for element 128 * half + 32j + l. */
void dequant_block_tq2_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + 64);
    for (int half = 0; half < 2; half++)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 32; l++)
                *y++ = d * (((b[32 * half + l] >> (2 * j)) & 3) - 1);
}
