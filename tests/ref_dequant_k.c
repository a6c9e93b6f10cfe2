/* Reference decoders of the 256-element super-block types (K-quants). */
#include "ref_dequant_blocks.h"

/* The 6-bit scale and min of sub-block j of a Q4_K / Q5_K super-block, from its 12 packed bytes. */
static void k_scale_min(const uint8_t *s, int j, int *scale, int *min)
{
    if (j < 4) {
        *scale = s[j] & 63;
        *min = s[j + 4] & 63;
    } else {
        *scale = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        *min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Q4_K {d, dmin, scales[12], qs[128]} and Q5_K {d, dmin, scales[12], qh[32], qs[128]}: chunk c of 64 values takes
 * low nibbles of qs[32c..] for 64c+l and high nibbles for 64c+32+l; Q5_K adds bit 2c / 2c+1 of qh[l] as 16. */
static void dequant_k45(const uint8_t *b, int five, double *out)
{
    double d = ref_f16(ref_le16(b)), dmin = ref_f16(ref_le16(b + 2));
    const uint8_t *scales = b + 4, *qh = b + 16, *qs = b + (five ? 48 : 16);
    for (int c = 0; c < 4; c++) {
        int sc_lo, m_lo, sc_hi, m_hi;
        k_scale_min(scales, 2 * c, &sc_lo, &m_lo);
        k_scale_min(scales, 2 * c + 1, &sc_hi, &m_hi);
        for (int l = 0; l < 32; l++) {
            int lo = qs[32 * c + l] & 15, hi = qs[32 * c + l] >> 4;
            if (five) {
                lo += ((qh[l] >> (2 * c)) & 1) * 16;
                hi += ((qh[l] >> (2 * c + 1)) & 1) * 16;
            }
            out[64 * c + l] = d * sc_lo * lo - dmin * m_lo;
            out[64 * c + 32 + l] = d * sc_hi * hi - dmin * m_hi;
        }
    }
}

/* Q6_K {ql[128], qh[64], int8 scales[16], d}: half h of 128 values from ql[64h..], qh[32h..], scales[8h..]. */
void ref_block_q6_k(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 208));
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = b + 64 * h, *qh = b + 128 + 32 * h;
        const int8_t *sc = (const int8_t *)(b + 192 + 8 * h);
        for (int l = 0; l < 32; l++) {
            int s = l / 16;
            int q1 = ((ql[l] & 15) | ((qh[l] & 3) << 4)) - 32;
            int q2 = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            out[128 * h + l] = d * sc[s] * q1;
            out[128 * h + l + 32] = d * sc[s + 2] * q2;
            out[128 * h + l + 64] = d * sc[s + 4] * q3;
            out[128 * h + l + 96] = d * sc[s + 6] * q4;
        }
    }
}

void ref_block_q4_k(const uint8_t *b, double *out) { dequant_k45(b, 0, out); }
void ref_block_q5_k(const uint8_t *b, double *out) { dequant_k45(b, 1, out); }

/* Scales that keep d * scale * q - dmin * min O(1) for 6-bit scales and mins and 4-5 bit quants. */
void ref_random_block_q4_k(test_rng *rng, uint8_t *b)
{
    ref_put16(b, ref_random_f16(rng, 1e-3, 4e-3));
    ref_put16(b + 2, ref_random_f16(rng, 1e-3, 4e-3));
}
void ref_random_block_q5_k(test_rng *rng, uint8_t *b) { ref_random_block_q4_k(rng, b); }
void ref_random_block_q6_k(test_rng *rng, uint8_t *b) { ref_put16(b + 208, ref_random_f16(rng, -4e-4, 4e-4)); }

/* The 6-bit scale of Q3_K sub-block i minus 32: low 4 bits from scales[0..7] (low nibbles for i < 8, high ones
 * after), high 2 bits from the bit pair i / 4 of scales[8 + i % 4]. */
static int q3_k_scale(const uint8_t *scales, int i)
{
    int low = i < 8 ? scales[i] & 15 : scales[i - 8] >> 4;
    int high = (scales[8 + i % 4] >> (2 * (i / 4))) & 3;
    return low + 16 * high - 32;
}

/* Q3_K {hmask[32], qs[64], scales[12], d}: element e = 128n + 32j + l takes bits 2j of qs[32n + l] and, as its
 * third bit, bit 4n + j of hmask[l]; values are centred by 4 and scaled by sub-block e / 16. */
void ref_block_q3_k(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 108));
    for (int e = 0; e < 256; e++) {
        int n = e / 128, j = e % 128 / 32, l = e % 32;
        int low = (b[32 + 32 * n + l] >> (2 * j)) & 3, high = (b[l] >> (4 * n + j)) & 1;
        out[e] = d * q3_k_scale(b + 96, e / 16) * (low + 4 * high - 4);
    }
}

/* |scale - 32| <= 32 and |q - 4| <= 4: d up to 8e-3 keeps values within 1. */
void ref_random_block_q3_k(test_rng *rng, uint8_t *b) { ref_put16(b + 108, ref_random_f16(rng, -8e-3, 8e-3)); }

/* Q2_K {scales[16], qs[64], d, dmin}: element e = 128n + 32j + l is bits 2j of qs[32n + l], scaled and offset by
 * the nibbles of scales[e / 16] (scale low, min high). */
void ref_block_q2_k(const uint8_t *b, double *out)
{
    double d = ref_f16(ref_le16(b + 80)), dmin = ref_f16(ref_le16(b + 82));
    for (int e = 0; e < 256; e++) {
        int n = e / 128, j = e % 128 / 32, l = e % 32, sc = b[e / 16];
        out[e] = d * (sc & 15) * ((b[16 + 32 * n + l] >> (2 * j)) & 3) - dmin * (sc >> 4);
    }
}

/* scale * q <= 45 and min <= 15: d and dmin up to 4e-2 keep values within 2. */
void ref_random_block_q2_k(test_rng *rng, uint8_t *b)
{
    ref_put16(b + 80, ref_random_f16(rng, 1e-2, 4e-2));
    ref_put16(b + 82, ref_random_f16(rng, 1e-2, 4e-2));
}
