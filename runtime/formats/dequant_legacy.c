/* Host decoders of the 32-element block types (ggml's "legacy" quants). */
#include "formats/dequant_blocks.h"

/* {f16 d; int8 qs[32]}: value d * q. */
void dequant_block_q8_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q8_0_D);
    const int8_t *qs = (const int8_t *)(b + BLOCK_Q8_0_QS);
    for (int i = 0; i < 32; i++)
        y[i] = d * qs[i];
}

/* {f16 d; uint8 qs[16]}: low nibbles are elements 0-15, high nibbles 16-31, value d * (q - 8). */
void dequant_block_q4_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q4_0_D);
    const uint8_t *qs = b + BLOCK_Q4_0_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * ((qs[i] & 0xf) - 8);
        y[i + 16] = d * ((qs[i] >> 4) - 8);
    }
}

/* {f16 d; uint8 qh[4]; uint8 qs[16]}: nibbles as in Q4_0, element e's 5th bit is bit e of qh (little-endian);
 * value d * (q - 16). */
void dequant_block_q5_0(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q5_0_D);
    uint32_t qh = dequant_le32_at(b + BLOCK_Q5_0_QH);
    const uint8_t *qs = b + BLOCK_Q5_0_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * ((int)((qs[i] & 0xf) | ((qh >> i) & 1) << 4) - 16);
        y[i + 16] = d * ((int)((qs[i] >> 4) | ((qh >> (i + 16)) & 1) << 4) - 16);
    }
}

/* {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]}: q as in Q5_0, value d * q + m. */
void dequant_block_q5_1(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q5_1_D), m = dequant_f16_at(b + BLOCK_Q5_1_M);
    uint32_t qh = dequant_le32_at(b + BLOCK_Q5_1_QH);
    const uint8_t *qs = b + BLOCK_Q5_1_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)((qs[i] & 0xf) | ((qh >> i) & 1) << 4) + m;
        y[i + 16] = d * (float)((qs[i] >> 4) | ((qh >> (i + 16)) & 1) << 4) + m;
    }
}

/* {f16 d; f16 m; uint8 qs[16]}: nibbles as in Q4_0, value d * q + m. */
void dequant_block_q4_1(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q4_1_D), m = dequant_f16_at(b + BLOCK_Q4_1_M);
    const uint8_t *qs = b + BLOCK_Q4_1_QS;
    for (int i = 0; i < 16; i++) {
        y[i] = d * (float)(qs[i] & 0xf) + m;
        y[i + 16] = d * (float)(qs[i] >> 4) + m;
    }
}
