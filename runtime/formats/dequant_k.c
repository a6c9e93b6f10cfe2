/* Host decoders of the 256-element super-block types (ggml's K-quants). */
#include "formats/dequant_blocks.h"

/* The 6-bit scale and min of sub-block j of a K-quant super-block (packed in 12 bytes). */
static void k_scale_min(const uint8_t *s, int j, int *scale, int *min)
{
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Q4_K (qh NULL) and Q5_K: 8 sub-blocks of 32, value = d * scale * q - dmin * min. */
static void q45_k(float d, float dmin, const uint8_t *scales, const uint8_t *qh, const uint8_t *qs, float *y)
{
    for (int chunk = 0; chunk < 4; chunk++) {
        int sc0, m0, sc1, m1;
        k_scale_min(scales, 2 * chunk, &sc0, &m0);
        k_scale_min(scales, 2 * chunk + 1, &sc1, &m1);
        for (int l = 0; l < 32; l++) {
            int lo = qs[32 * chunk + l] & 0xf, hi = qs[32 * chunk + l] >> 4;
            if (qh) {
                lo += ((qh[l] >> (2 * chunk)) & 1) << 4;
                hi += ((qh[l] >> (2 * chunk + 1)) & 1) << 4;
            }
            y[64 * chunk + l] = d * sc0 * lo - dmin * m0;
            y[64 * chunk + 32 + l] = d * sc1 * hi - dmin * m1;
        }
    }
}

/* {f16 d; f16 dmin; uint8 scales[12]; uint8 qs[128]} */
void dequant_block_q4_k(const uint8_t *b, float *y)
{
    q45_k(dequant_f16_at(b + BLOCK_Q4_K_D), dequant_f16_at(b + BLOCK_Q4_K_DMIN), b + BLOCK_Q4_K_SCALES, NULL,
          b + BLOCK_Q4_K_QS, y);
}

/* {f16 d; f16 dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]} */
void dequant_block_q5_k(const uint8_t *b, float *y)
{
    q45_k(dequant_f16_at(b + BLOCK_Q5_K_D), dequant_f16_at(b + BLOCK_Q5_K_DMIN), b + BLOCK_Q5_K_SCALES,
          b + BLOCK_Q5_K_QH, b + BLOCK_Q5_K_QS, y);
}

/* Q6_K {ql[128], qh[64], int8 scales[16], d}: 16 sub-blocks of 16, value = d * scale * (q - 32), q from 4 low bits
 * (ql) and 2 high bits (qh). */
void dequant_block_q6_k(const uint8_t *b, float *y)
{
    const uint8_t *ql = b + BLOCK_Q6_K_QL, *qh = b + BLOCK_Q6_K_QH;
    const int8_t *sc = (const int8_t *)(b + BLOCK_Q6_K_SCALES);
    float d = dequant_f16_at(b + BLOCK_Q6_K_D);
    for (int half = 0; half < 2; half++) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = (int)((ql[l] & 0xf) | ((qh[l] >> 0) & 3) << 4) - 32;
            int q2 = (int)((ql[l + 32] & 0xf) | ((qh[l] >> 2) & 3) << 4) - 32;
            int q3 = (int)((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
            int q4 = (int)((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
            y[l] = d * sc[is] * q1;
            y[l + 32] = d * sc[is + 2] * q2;
            y[l + 64] = d * sc[is + 4] * q3;
            y[l + 96] = d * sc[is + 6] * q4;
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

/* Q3_K {hmask[32], qs[64], scales[12], d}: 16 sub-blocks of 16 (sub-block i = 8 * half + 2 * j + odd 16), value
 * d * (scale - 32) * q with the 6-bit scale split into a nibble and a bit pair, and q the 2 bits at 2j of
 * qs[32 * half + l] minus 4 where bit 4 * half + j of hmask[l] is clear. */
void dequant_block_q3_k(const uint8_t *b, float *y)
{
    const uint8_t *hmask = b + BLOCK_Q3_K_HMASK, *sc = b + BLOCK_Q3_K_SCALES;
    float d = dequant_f16_at(b + BLOCK_Q3_K_D);
    for (int i = 0; i < 16; i++) {
        int scale = ((sc[i & 7] >> (4 * (i >> 3))) & 0xf) | ((sc[8 + (i & 3)] >> (2 * (i >> 2))) & 3) << 4;
        float dl = d * (scale - 32);
        int half = i >> 3, j = (i >> 1) & 3, l0 = 16 * (i & 1);
        const uint8_t *qs = b + BLOCK_Q3_K_QS + 32 * half;
        for (int l = l0; l < l0 + 16; l++)
            *y++ = dl * (((qs[l] >> (2 * j)) & 3) - ((hmask[l] >> (4 * half + j)) & 1 ? 0 : 4));
    }
}

/* Q2_K {scales[16], qs[64], d, dmin}: 16 sub-blocks of 16 (sub-block i = 8 * half + 2 * j + odd 16), value
 * d * (sc & 15) * q - dmin * (sc >> 4) with sc = scales[i] and q the 2 bits at 2j of qs[32 * half + l]. */
void dequant_block_q2_k(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + BLOCK_Q2_K_D), dmin = dequant_f16_at(b + BLOCK_Q2_K_DMIN);
    const uint8_t *scales = b + BLOCK_Q2_K_SCALES;
    for (int i = 0; i < 16; i++) {
        float dl = d * (scales[i] & 0xf), ml = dmin * (scales[i] >> 4);
        int j = (i >> 1) & 3, l0 = 16 * (i & 1);
        const uint8_t *qs = b + BLOCK_Q2_K_QS + 32 * (i >> 3);
        for (int l = l0; l < l0 + 16; l++)
            *y++ = dl * ((qs[l] >> (2 * j)) & 3) - ml;
    }
}
