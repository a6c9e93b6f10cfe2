#include "ref_dequant.h"

#include <math.h>
#include <string.h>

#include "util/half.h"

double ref_f16(uint16_t bits)
{
    int exponent = (bits >> 10) & 31, mantissa = bits & 1023;
    double sign = (bits & 0x8000) ? -1.0 : 1.0;
    if (exponent == 0)
        return sign * ldexp(mantissa, -24);
    if (exponent == 31)
        return mantissa ? NAN : sign * INFINITY;
    return sign * ldexp(1024 + mantissa, exponent - 25);
}

static double ref_bf16(uint16_t bits)
{
    uint32_t f32 = (uint32_t)bits << 16;
    float f;
    memcpy(&f, &f32, 4);
    return f;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

size_t ref_row_bytes(ggml_type type, uint32_t cols)
{
    switch (type) {
    case GGML_TYPE_F32: return 4u * cols;
    case GGML_TYPE_F16:
    case GGML_TYPE_BF16: return 2u * cols;
    case GGML_TYPE_Q8_0: return cols / 32 * 34;
    case GGML_TYPE_Q4_0: return cols / 32 * 18;
    case GGML_TYPE_Q4_K: return cols / 256 * 144;
    case GGML_TYPE_Q5_K: return cols / 256 * 176;
    case GGML_TYPE_Q6_K: return cols / 256 * 210;
    default: return 0;
    }
}

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
static void dequant_k45(const uint8_t *b, bool five, double *out)
{
    double d = ref_f16(le16(b)), dmin = ref_f16(le16(b + 2));
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
static void dequant_q6_k(const uint8_t *b, double *out)
{
    double d = ref_f16(le16(b + 208));
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

void ref_dequant_row(ggml_type type, const uint8_t *row, uint32_t cols, double *out)
{
    for (uint32_t c = 0; c < cols; c++) {
        if (type == GGML_TYPE_F32) {
            float f;
            memcpy(&f, row + 4 * c, 4);
            out[c] = f;
        } else if (type == GGML_TYPE_F16) {
            out[c] = ref_f16(le16(row + 2 * c));
        } else if (type == GGML_TYPE_BF16) {
            out[c] = ref_bf16(le16(row + 2 * c));
        }
    }
    for (uint32_t blk = 0; type == GGML_TYPE_Q8_0 && blk < cols / 32; blk++) {
        const uint8_t *b = row + 34 * blk;
        for (int i = 0; i < 32; i++)
            out[32 * blk + i] = ref_f16(le16(b)) * (int8_t)b[2 + i];
    }
    for (uint32_t blk = 0; type == GGML_TYPE_Q4_0 && blk < cols / 32; blk++) {
        const uint8_t *b = row + 18 * blk;
        for (int i = 0; i < 16; i++) {
            out[32 * blk + i] = ref_f16(le16(b)) * ((b[2 + i] & 15) - 8);
            out[32 * blk + 16 + i] = ref_f16(le16(b)) * ((b[2 + i] >> 4) - 8);
        }
    }
    for (uint32_t blk = 0; blk < cols / 256; blk++) {
        if (type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K)
            dequant_k45(row + ref_row_bytes(type, 256) * blk, type == GGML_TYPE_Q5_K, out + 256 * blk);
        else if (type == GGML_TYPE_Q6_K)
            dequant_q6_k(row + 210 * blk, out + 256 * blk);
    }
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* A random half-precision scale of magnitude in [lo, hi). */
static uint16_t random_scale(test_rng *rng, double lo, double hi)
{
    return mlavk_f32_to_f16((float)test_rng_uniform(rng, lo, hi));
}

void ref_random_weights(test_rng *rng, ggml_type type, uint32_t rows, uint32_t cols, uint8_t *out)
{
    size_t bytes = ref_row_bytes(type, cols) * rows;
    for (size_t i = 0; i < bytes; i++)
        out[i] = (uint8_t)test_rng_u64(rng);
    size_t values = (size_t)rows * cols;
    for (size_t i = 0; i < values; i++) {
        float v = (float)test_rng_uniform(rng, -1, 1);
        if (type == GGML_TYPE_F32)
            memcpy(out + 4 * i, &v, 4);
        else if (type == GGML_TYPE_F16)
            put16(out + 2 * i, mlavk_f32_to_f16(v));
        else if (type == GGML_TYPE_BF16)
            put16(out + 2 * i, mlavk_f32_to_bf16(v));
    }
    /* Quantized: the random bytes are valid quants; only the f16 scales need a sane range (signed for the
     * one-scale types, where a negative d is legal). */
    size_t block_bytes = ref_row_bytes(type, type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q4_0 ? 32 : 256);
    size_t blocks = block_bytes ? bytes / block_bytes : 0;
    for (size_t i = 0; i < blocks; i++) {
        uint8_t *b = out + i * block_bytes;
        if (type == GGML_TYPE_Q8_0 || type == GGML_TYPE_Q4_0) {
            put16(b, random_scale(rng, -0.05, 0.05));
        } else if (type == GGML_TYPE_Q4_K || type == GGML_TYPE_Q5_K) {
            put16(b, random_scale(rng, 1e-3, 4e-3));
            put16(b + 2, random_scale(rng, 1e-3, 4e-3));
        } else if (type == GGML_TYPE_Q6_K) {
            put16(b + 208, random_scale(rng, -4e-4, 4e-4));
        }
    }
}
