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
    float d = dequant_f16_at(b + BLOCK_IQ1_S_D);
    const uint8_t *qs = b + BLOCK_IQ1_S_QS;
    for (int i = 0; i < 8; i++) {
        const uint8_t *qh_bytes = b + BLOCK_IQ1_S_QH + 2 * i;
        unsigned qh = qh_bytes[0] | qh_bytes[1] << 8;
        float scale = d * (float)(2 * ((qh >> 12) & 7) + 1), delta = qh & 0x8000 ? -IQ1_DELTA : IQ1_DELTA;
        for (int l = 0; l < 4; l++)
            iq1_run(qs[4 * i + l] | ((qh >> (3 * l)) & 7) << 8, delta, scale, y + 32 * i + 8 * l);
    }
}

/* {qs[32]; qh[16]; uint16 scales[4]}: d is the f16 of the top nibbles of scales[0..3]; sub-block i's run l has
 * index qs[4i + l] | (nibble l of the 16-bit qh[2i..]) & 7 << 8 and a delta negative when that nibble's bit 3 is
 * set; runs 0-1 and 2-3 take the 3-bit scales at bits 6 (i & 1) and 6 (i & 1) + 3 of scales[i / 2]. */
void dequant_block_iq1_m(const uint8_t *b, float *y)
{
    const uint8_t *qs = b + BLOCK_IQ1_M_QS, *qh_bytes = b + BLOCK_IQ1_M_QH, *scales = b + BLOCK_IQ1_M_SCALES;
    uint16_t sc[4];
    for (int k = 0; k < 4; k++)
        sc[k] = (uint16_t)(scales[2 * k] | scales[2 * k + 1] << 8);
    float d = mlavk_f16_to_f32((uint16_t)(sc[0] >> 12 | (sc[1] >> 8 & 0xf0) | (sc[2] >> 4 & 0xf00) | (sc[3] & 0xf000)));
    for (int i = 0; i < 8; i++) {
        unsigned qh = qh_bytes[2 * i] | qh_bytes[2 * i + 1] << 8, bits = sc[i / 2] >> (6 * (i & 1));
        for (int l = 0; l < 4; l++) {
            unsigned nibble = qh >> (4 * l);
            float scale = d * (float)(2 * ((bits >> (3 * (l / 2))) & 7) + 1);
            iq1_run(qs[4 * i + l] | (nibble & 7) << 8, nibble & 8 ? -IQ1_DELTA : IQ1_DELTA, scale, y + 32 * i + 8 * l);
        }
    }
}
