/* Host decoders of the IQ2 types (ggml's 2-bit codebook quants): 256-element super-blocks of 8 sub-blocks of 32,
 * each 4 runs of 8 values taken from a codebook (formats/iq2_grids.h) with 8 signs, scaled by d * (0.5 + s) / 4
 * for a 4-bit s. */
#include "formats/dequant_blocks.h"
#include "formats/iq2_grids.h"

/* A 7-bit sign field completed by its parity as the 8th sign (the count of negatives is even). */
static unsigned signs_of7(unsigned s7) { return s7 | ((0x6996u >> ((s7 ^ (s7 >> 4)) & 15)) & 1) << 7; }

/* The 8 values of a codebook entry (byte j is value j) times scale, value j negated where bit j of signs is set. */
static void put_run(uint64_t entry, unsigned signs, float scale, float *y)
{
    for (int j = 0; j < 8; j++) {
        float v = scale * (float)((entry >> (8 * j)) & 0xff);
        y[j] = (signs >> j) & 1 ? -v : v;
    }
}

/* {f16 d; uint16 qs[32]}: sub-block k is the 8 bytes at qs + 8k: 4 grid indices, then a word holding the 4 runs'
 * 7-bit sign fields (bits 7l) and the sub-block's scale (bits 28-31). */
void dequant_block_iq2_xxs(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ2_XXS_D);
    for (int k = 0; k < 8; k++, y += 32) {
        const uint8_t *sub = b + BLOCK_IQ2_XXS_QS + 8 * k;
        uint32_t aux = dequant_le32_at(sub + 4);
        float scale = d * (0.5f + (float)(aux >> 28)) * 0.25f;
        for (int l = 0; l < 4; l++)
            put_run(iq2xxs_grid[sub[l]], signs_of7((aux >> (7 * l)) & 127), scale, y + 8 * l);
    }
}

/* {f16 d; uint16 qs[32]; uint8 scales[8]}: qs[4k + l] is run l of sub-block k, a 9-bit grid index under a 7-bit
 * sign field; scales[k] holds the scales of runs 0-1 (low nibble) and 2-3 (high nibble). */
void dequant_block_iq2_xs(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ2_XS_D);
    const uint8_t *qs = b + BLOCK_IQ2_XS_QS, *scales = b + BLOCK_IQ2_XS_SCALES;
    for (int k = 0; k < 8; k++, y += 32) {
        for (int l = 0; l < 4; l++) {
            unsigned q = qs[8 * k + 2 * l] | qs[8 * k + 2 * l + 1] << 8;
            float scale = d * (0.5f + (float)((scales[k] >> (4 * (l >> 1))) & 15)) * 0.25f;
            put_run(iq2xs_grid[q & 511], signs_of7(q >> 9), scale, y + 8 * l);
        }
    }
}

/* {f16 d; uint8 qs[32]; uint8 signs[32]; uint8 qh[8]; uint8 scales[8]}: run l of sub-block k has the low 8 bits of
 * its grid index in qs[4k + l], the high 2 in bits 2l of qh[k] and its 8 signs in signs[4k + l]; scales as IQ2_XS. */
void dequant_block_iq2_s(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ2_S_D);
    const uint8_t *qs = b + BLOCK_IQ2_S_QS, *signs = b + BLOCK_IQ2_S_SIGNS, *qh = b + BLOCK_IQ2_S_QH,
                  *scales = b + BLOCK_IQ2_S_SCALES;
    for (int k = 0; k < 8; k++, y += 32) {
        for (int l = 0; l < 4; l++) {
            unsigned index = qs[4 * k + l] | ((qh[k] >> (2 * l)) & 3) << 8;
            float scale = d * (0.5f + (float)((scales[k] >> (4 * (l >> 1))) & 15)) * 0.25f;
            put_run(iq2s_grid[index], signs[4 * k + l], scale, y + 8 * l);
        }
    }
}
