/* Host decoders of the 4-bit codebook types, whose nibbles index a table of 16 values. */
#include "formats/dequant_blocks.h"

#include <math.h>

/* ggml's kvalues_iq4nl (ggml-common.h). */
static const int8_t iq4nl_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* {f16 d; uint8 qs[16]}: nibbles ordered as in Q4_0, value d * iq4nl_values[q]. */
void dequant_block_iq4_nl(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ4_NL_D);
    const uint8_t *qs = b + BLOCK_IQ4_NL_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * iq4nl_values[qs[i] & 0xf];
        y[i + 16] = d * iq4nl_values[qs[i] >> 4];
    }
}

/* {f16 d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]}: 8 sub-blocks of 32, each ordered as an IQ4_NL block,
 * value d * (ls - 32) * iq4nl_values[q] with sub-block j's 6-bit ls: nibble j of scales_l, bits 2j..2j+1 of
 * scales_h on top. */
void dequant_block_iq4_xs(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_IQ4_XS_D);
    unsigned scales_h = (unsigned)(b[BLOCK_IQ4_XS_SCALES_H] | b[BLOCK_IQ4_XS_SCALES_H + 1] << 8);
    const uint8_t *scales_l = b + BLOCK_IQ4_XS_SCALES_L;
    for (int j = 0; j < 8; j++, y += 32) {
        int ls = ((scales_l[j / 2] >> 4 * (j % 2)) & 0xf) | ((scales_h >> 2 * j) & 3) << 4;
        float dl = d * (float)(ls - 32);
        const uint8_t *qs = b + BLOCK_IQ4_XS_QS + 16 * j;
        for (int i = 0; i < 16; i++) {
            y[i] = dl * iq4nl_values[qs[i] & 0xf];
            y[i + 16] = dl * iq4nl_values[qs[i] >> 4];
        }
    }
}

/* ggml's kvalues_mxfp4 (ggml-common.h): the FP4 E2M1 values, doubled. */
static const int8_t mxfp4_values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/* {uint8 e; uint8 qs[16]}: nibbles ordered as in Q4_0, value 2^(e - 127) * E2M1(q) = 2^(e - 128) * mxfp4_values[q]. */
void dequant_block_mxfp4(const uint8_t *b, float *y)
{
    float d = ldexpf(1.0f, b[BLOCK_MXFP4_E] - 128);
    const uint8_t *qs = b + BLOCK_MXFP4_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * mxfp4_values[qs[i] & 0xf];
        y[i + 16] = d * mxfp4_values[qs[i] >> 4];
    }
}
