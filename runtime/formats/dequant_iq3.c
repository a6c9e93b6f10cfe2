/* Host decoders of the 3-bit codebook types (ggml's IQ3_XXS, IQ3_S): 8 sub-blocks of 32 values per super-block,
 * each group of 4 values one codebook entry of 4 magnitudes (formats/iq3_grids.h) with 4 sign bits. */
#include "formats/dequant_blocks.h"
#include "formats/iq3_grids.h"

/* The 4 values of entry, signs bit j negating value j, times scale. */
static void iq3_group(uint32_t entry, unsigned signs, float scale, float *y)
{
    for (int j = 0; j < 4; j++) {
        float v = scale * (float)((entry >> (8 * j)) & 0xff);
        y[j] = (signs >> j) & 1 ? -v : v;
    }
}

/* {f16 d; qs[64]; uint32 aux[8]}: sub-block i takes indices qs[8i..], scale d * (2 * (aux[i] >> 28) + 1) / 4 and
 * sign bytes from the 7-bit fields of aux[i], each completed by an 8th bit to an even count of set bits. */
void dequant_block_iq3_xxs(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ3_XXS_D);
    const uint8_t *qs = b + BLOCK_IQ3_XXS_QS;
    for (int i = 0; i < 8; i++) {
        uint32_t aux = dequant_le32_at(b + BLOCK_IQ3_XXS_AUX + 4 * i);
        float scale = d * (float)(2 * (aux >> 28) + 1) * 0.25f;
        for (int l = 0; l < 4; l++) {
            unsigned signs = (aux >> (7 * l)) & 127, parity = signs;
            parity ^= parity >> 4;
            parity ^= parity >> 2;
            parity ^= parity >> 1;
            signs |= (parity & 1) << 7;
            iq3_group(iq3xxs_grid[qs[8 * i + 2 * l]], signs & 15, scale, y + 32 * i + 8 * l);
            iq3_group(iq3xxs_grid[qs[8 * i + 2 * l + 1]], signs >> 4, scale, y + 32 * i + 8 * l + 4);
        }
    }
}

/* {f16 d; qs[64]; qh[8]; signs[32]; scales[4]}: sub-block i takes indices qs[8i + g] | bit g of qh[i] << 8, sign
 * bytes signs[4i..4i+3] and scale d * (2 * nibble i of scales + 1). */
void dequant_block_iq3_s(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ3_S_D);
    for (int i = 0; i < 8; i++) {
        float scale = d * (float)(2 * ((b[BLOCK_IQ3_S_SCALES + i / 2] >> (4 * (i & 1))) & 15) + 1);
        const uint8_t *qs = b + BLOCK_IQ3_S_QS + 8 * i, *signs = b + BLOCK_IQ3_S_SIGNS + 4 * i;
        unsigned qh = b[BLOCK_IQ3_S_QH + i];
        for (int g = 0; g < 8; g++)
            iq3_group(iq3s_grid[qs[g] | ((qh >> g) & 1) << 8], (signs[g / 2] >> (4 * (g & 1))) & 15, scale,
                      y + 32 * i + 4 * g);
    }
}
