/* Host decoders of the 32-element block types (ggml's "legacy" quants). */
#include "formats/dequant_blocks.h"

/* {f16 d; int8 qs[32]}: value d * q. */
void dequant_block_q8_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b);
    for (int i = 0; i < 32; i++)
        y[i] = d * (int8_t)b[2 + i];
}

/* {f16 d; uint8 qs[16]}: low nibbles are elements 0-15, high nibbles 16-31, value d * (q - 8). */
void dequant_block_q4_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b);
    for (int i = 0; i < 16; i++) {
        y[i] = d * ((b[2 + i] & 0xf) - 8);
        y[i + 16] = d * ((b[2 + i] >> 4) - 8);
    }
}

/* {f16 d; uint8 qh[4]; uint8 qs[16]}: nibbles as in Q4_0, element e's 5th bit is bit e of qh (little-endian);
 * value d * (q - 16). */
void dequant_block_q5_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b);
    uint32_t qh = (uint32_t)b[2] | (uint32_t)b[3] << 8 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 24;
    for (int i = 0; i < 16; i++) {
        y[i] = d * ((int)((b[6 + i] & 0xf) | ((qh >> i) & 1) << 4) - 16);
        y[i + 16] = d * ((int)((b[6 + i] >> 4) | ((qh >> (i + 16)) & 1) << 4) - 16);
    }
}

/* {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]}: q as in Q5_0, value d * q + m. */
void dequant_block_q5_1(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b), m = dequant_f16_at(b + 2);
    uint32_t qh = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)((b[8 + i] & 0xf) | ((qh >> i) & 1) << 4) + m;
        y[i + 16] = d * (float)((b[8 + i] >> 4) | ((qh >> (i + 16)) & 1) << 4) + m;
    }
}

/* {f16 d; f16 m; uint8 qs[16]}: nibbles as in Q4_0, value d * q + m. */
void dequant_block_q4_1(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b), m = dequant_f16_at(b + 2);
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)(b[4 + i] & 0xf) + m;
        y[i + 16] = d * (float)(b[4 + i] >> 4) + m;
    }
}
