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

/* Q4_K (five_bits 0) and Q5_K: 8 sub-blocks of 32, value = d * scale * q - dmin * min. */
static void q45_k(const uint8_t *b, float *y, int five_bits)
{
    float d = dequant_f16_at(b), dmin = dequant_f16_at(b + 2);
    const uint8_t *scales = b + 4, *qh = five_bits ? b + 16 : NULL, *qs = b + (five_bits ? 48 : 16);
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

void dequant_block_q4_k(const uint8_t *b, float *y) { q45_k(b, y, 0); }
void dequant_block_q5_k(const uint8_t *b, float *y) { q45_k(b, y, 1); }

/* Q6_K: 16 sub-blocks of 16, value = d * scale * (q - 32), q from 4 low bits (ql) and 2 high bits (qh). */
void dequant_block_q6_k(const uint8_t *b, float *y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = dequant_f16_at(b + 208);
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
    const uint8_t *hmask = b, *sc = b + 96;
    float d = dequant_f16_at(b + 108);
    for (int i = 0; i < 16; i++) {
        int scale = ((sc[i & 7] >> (4 * (i >> 3))) & 0xf) | ((sc[8 + (i & 3)] >> (2 * (i >> 2))) & 3) << 4;
        float dl = d * (scale - 32);
        int half = i >> 3, j = (i >> 1) & 3, l0 = 16 * (i & 1);
        const uint8_t *qs = b + 32 + 32 * half;
        for (int l = l0; l < l0 + 16; l++)
            *y++ = dl * (((qs[l] >> (2 * j)) & 3) - ((hmask[l] >> (4 * half + j)) & 1 ? 0 : 4));
    }
}

/* Q2_K {scales[16], qs[64], d, dmin}: 16 sub-blocks of 16 (sub-block i = 8 * half + 2 * j + odd 16), value
 * d * (sc & 15) * q - dmin * (sc >> 4) with sc = scales[i] and q the 2 bits at 2j of qs[32 * half + l]. */
void dequant_block_q2_k(const uint8_t *b, float *y)
{
    float d = dequant_f16_at(b + 80), dmin = dequant_f16_at(b + 82);
    for (int i = 0; i < 16; i++) {
        float dl = d * (b[i] & 0xf), ml = dmin * (b[i] >> 4);
        int j = (i >> 1) & 3, l0 = 16 * (i & 1);
        const uint8_t *qs = b + 16 + 32 * (i >> 3);
        for (int l = l0; l < l0 + 16; l++)
            *y++ = dl * ((qs[l] >> (2 * j)) & 3) - ml;
    }
}
