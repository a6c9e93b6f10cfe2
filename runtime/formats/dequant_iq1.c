/* Host decoders of the 1.5-bit codebook types (ggml's IQ1_S, IQ1_M): 8 sub-blocks of 32 values per super-block,
 * each run of 8 values one codebook entry of values in {-1, 0, 1} (formats/iq1_grid.h) plus a delta of +-1/8,
 * times a scale. */
#include "formats/dequant_blocks.h"
#include "formats/iq1_grid.h"

/* The 8 values of codebook entry index, each plus delta, times scale. */
static void iq1_run(unsigned index, float delta, float scale, float *y)
{
    for (int j = 0; j < 8; j++)
        y[j] = scale * ((float)(int8_t)(iq1s_grid[index] >> (8 * j)) + delta);
}

/* {f16 d; qs[32]; uint16 qh[8]}: sub-block i's run l has index qs[4i + l] | (bits 3l.. of qh[i]) << 8; qh[i] bits
 * 12-14 give the scale d * (2 s + 1), bit 15 the delta's sign. */
void dequant_block_iq1_s(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b);
    for (int i = 0; i < 8; i++) {
        unsigned qh = b[34 + 2 * i] | b[35 + 2 * i] << 8;
        float scale = d * (float)(2 * ((qh >> 12) & 7) + 1), delta = qh & 0x8000 ? -IQ1_DELTA : IQ1_DELTA;
        for (int l = 0; l < 4; l++)
            iq1_run(b[2 + 4 * i + l] | ((qh >> (3 * l)) & 7) << 8, delta, scale, y + 32 * i + 8 * l);
    }
}
