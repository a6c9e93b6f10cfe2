/* Encoders write the exact GGUF block layouts; they round to nearest with a small per-block scale search
 * rather than reproduce ggml's quantizers, which is all a valid file needs. */
#include "gen_quant.h"

#include "util/half.h"

#include <math.h>
#include <string.h>

bool gen_quant_supported(ggml_type t)
{
    switch (t) {
    case GGML_TYPE_F32: case GGML_TYPE_F16: case GGML_TYPE_BF16: case GGML_TYPE_Q8_0:
    case GGML_TYPE_Q4_0: case GGML_TYPE_Q4_K: case GGML_TYPE_Q5_K: case GGML_TYPE_Q6_K:
        return true;
    default:
        return false;
    }
}

uint64_t gen_row_bytes(ggml_type t, uint64_t n)
{
    const ggml_type_traits *tr = ggml_type_get(t);
    return n / tr->block_elems * tr->block_bytes;
}

double gen_quant_tolerance(ggml_type t)
{
    switch (t) {
    case GGML_TYPE_F32: return 0.0;
    case GGML_TYPE_F16: return 1e-3;
    case GGML_TYPE_BF16: return 8e-3;
    case GGML_TYPE_Q8_0: return 0.01;
    case GGML_TYPE_Q6_K: return 0.03;
    case GGML_TYPE_Q5_K: return 0.05;
    default: return 0.1; /* 4-bit types */
    }
}

static void put_f16(uint8_t *p, float v)
{
    uint16_t h = mlavk_f32_to_f16(v);
    memcpy(p, &h, 2);
}

static float get_f16(const uint8_t *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return mlavk_f16_to_f32(h);
}

static void quantize_q8_0(const float *x, uint8_t *b)
{
    float amax = 0.0f;
    for (int i = 0; i < 32; i++)
        amax = fmaxf(amax, fabsf(x[i]));
    put_f16(b, amax / 127.0f);
    float d = get_f16(b);
    for (int i = 0; i < 32; i++)
        b[2 + i] = (uint8_t)(int8_t)(d > 0.0f ? lrintf(fminf(fmaxf(x[i] / d, -127.0f), 127.0f)) : 0);
}

static void quantize_q4_0(const float *x, uint8_t *b)
{
    /* The largest magnitude maps to -8 exactly, so the asymmetric range [-8, 7] is fully used. */
    float mx = 0.0f;
    for (int i = 0; i < 32; i++)
        if (fabsf(x[i]) > fabsf(mx))
            mx = x[i];
    put_f16(b, mx / -8.0f);
    float d = get_f16(b);
    for (int i = 0; i < 16; i++) {
        int q[2];
        for (int h = 0; h < 2; h++) {
            long v = d != 0.0f ? lrintf(x[i + 16 * h] / d) + 8 : 8;
            q[h] = (int)(v < 0 ? 0 : v > 15 ? 15 : v);
        }
        b[2 + i] = (uint8_t)(q[0] | (q[1] << 4));
    }
}

/* Rounds half up with a cast rather than lrintf, a library call in the per-element loops. */
static int clamp_q(float v, int nmax)
{
    if (!(v > 0.0f))
        return 0;
    int q = (int)(v + 0.5f);
    return q > nmax ? nmax : q;
}

#define SEARCH_STEPS 5

/* Best (scale, min) with value = scale*q - min, q in [0, nmax], over a few shrunken ranges. All candidates
 * are scored in one pass so their error sums are independent chains (this loop dominates --type q4_k). */
static void affine_search(const float *x, int n, int nmax, float *scale, float *min)
{
    float lo = 0.0f, hi = x[0];
    for (int i = 0; i < n; i++) { /* plain compares: fminf/fmaxf are library calls here */
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    *min = -lo;
    *scale = 0.0f;
    if (hi <= lo)
        return;
    float s[SEARCH_STEPS], inv[SEARCH_STEPS], err[SEARCH_STEPS];
    for (int c = 0; c < SEARCH_STEPS; c++) {
        s[c] = (hi - lo) / (float)nmax * (1.0f - 0.04f * (float)c);
        inv[c] = 1.0f / s[c];
        err[c] = 0.0f;
    }
    for (int i = 0; i < n; i++) {
        float v = x[i] - lo;
        for (int c = 0; c < SEARCH_STEPS; c++) {
            int q = (int)(v * inv[c] + 0.5f); /* v >= 0: truncation rounds */
            float e = s[c] * (float)(q > nmax ? nmax : q) - v;
            err[c] += e * e;
        }
    }
    int best = 0;
    for (int c = 1; c < SEARCH_STEPS; c++)
        best = err[c] < err[best] ? c : best;
    *scale = s[best];
}

/* Q4_K and Q5_K share the 12-byte packing of eight 6-bit scales and mins. */
static void pack_scales_k4(const int *sc, const int *mn, uint8_t *s)
{
    for (int j = 0; j < 4; j++) {
        s[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
        s[j + 4] = (uint8_t)(mn[j] | ((mn[j + 4] >> 4) << 6));
        s[j + 8] = (uint8_t)((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
    }
}

static void unpack_scale_k4(const uint8_t *s, int j, int *sc, int *mn)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *mn = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4);
        *mn = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

/* Fills q[256] for Q4_K (nmax 15) or Q5_K (nmax 31) and writes d, dmin and the scales to b. */
static void quantize_k_affine(const float *x, int nmax, uint8_t *b, int *q)
{
    float scales[8], mins[8], max_s = 0.0f, max_m = 0.0f;
    for (int j = 0; j < 8; j++) {
        affine_search(x + 32 * j, 32, nmax, &scales[j], &mins[j]);
        max_s = fmaxf(max_s, scales[j]);
        max_m = fmaxf(max_m, mins[j]);
    }
    put_f16(b, max_s / 63.0f);
    put_f16(b + 2, max_m / 63.0f);
    float d = get_f16(b), dmin = get_f16(b + 2);
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = d > 0.0f ? clamp_q(scales[j] / d, 63) : 0;
        mn[j] = dmin > 0.0f ? clamp_q(mins[j] / dmin, 63) : 0;
        float s = d * (float)sc[j], m = dmin * (float)mn[j], inv = s > 0.0f ? 1.0f / s : 0.0f;
        for (int i = 0; i < 32; i++)
            q[32 * j + i] = clamp_q((x[32 * j + i] + m) * inv, nmax);
    }
    pack_scales_k4(sc, mn, b + 4);
}

static void quantize_q4_k(const float *x, uint8_t *b)
{
    int q[256];
    quantize_k_affine(x, 15, b, q);
    uint8_t *qs = b + 16;
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++)
            qs[32 * c + l] = (uint8_t)(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
}

static void quantize_q5_k(const float *x, uint8_t *b)
{
    int q[256];
    quantize_k_affine(x, 31, b, q);
    uint8_t *qh = b + 16, *qs = b + 48;
    memset(qh, 0, 32);
    for (int e = 0; e < 256; e++)
        qh[e % 32] |= (uint8_t)(((q[e] >> 4) & 1) << (e / 32));
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 32; l++)
            qs[32 * c + l] = (uint8_t)((q[64 * c + l] & 0xf) | ((q[64 * c + 32 + l] & 0xf) << 4));
}

static void quantize_q6_k(const float *x, uint8_t *b)
{
    float s[16], smax = 0.0f;
    for (int j = 0; j < 16; j++) {
        float mx = 0.0f;
        for (int i = 0; i < 16; i++)
            if (fabsf(x[16 * j + i]) > fabsf(mx))
                mx = x[16 * j + i];
        s[j] = mx / -32.0f;
        smax = fmaxf(smax, fabsf(s[j]));
    }
    uint8_t *ql = b, *qh = b + 128, *sc = b + 192;
    put_f16(b + 208, smax / 127.0f);
    float d = get_f16(b + 208);
    memset(ql, 0, 128);
    memset(qh, 0, 64);
    for (int j = 0; j < 16; j++)
        sc[j] = (uint8_t)(int8_t)(d > 0.0f ? lrintf(fminf(fmaxf(s[j] / d, -127.0f), 127.0f)) : 0);
    for (int e = 0; e < 256; e++) {
        int h = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
        float step = d * (float)(int8_t)sc[e / 16];
        int q = step != 0.0f ? clamp_q(x[e] / step + 32.0f, 63) : 32;
        ql[64 * h + l + (quarter & 1) * 32] |= (uint8_t)((q & 0xf) << (quarter >= 2 ? 4 : 0));
        qh[32 * h + l] |= (uint8_t)((q >> 4) << (2 * quarter));
    }
}

void gen_quantize_row(ggml_type t, const float *x, uint64_t n, uint8_t *out)
{
    const ggml_type_traits *tr = ggml_type_get(t);
    for (uint64_t i = 0; i < n; i += tr->block_elems) {
        uint8_t *b = out + i / tr->block_elems * tr->block_bytes;
        uint16_t h;
        switch (t) {
        case GGML_TYPE_F32: memcpy(b, &x[i], 4); break;
        case GGML_TYPE_F16: h = mlavk_f32_to_f16(x[i]); memcpy(b, &h, 2); break;
        case GGML_TYPE_BF16: h = mlavk_f32_to_bf16(x[i]); memcpy(b, &h, 2); break;
        case GGML_TYPE_Q8_0: quantize_q8_0(x + i, b); break;
        case GGML_TYPE_Q4_0: quantize_q4_0(x + i, b); break;
        case GGML_TYPE_Q4_K: quantize_q4_k(x + i, b); break;
        case GGML_TYPE_Q5_K: quantize_q5_k(x + i, b); break;
        case GGML_TYPE_Q6_K: quantize_q6_k(x + i, b); break;
        default: break;
        }
    }
}

static void dequantize_k_affine(const uint8_t *b, int nmax_bits, float *y)
{
    float d = get_f16(b), dmin = get_f16(b + 2);
    const uint8_t *qh = b + 16, *qs = nmax_bits == 5 ? b + 48 : b + 16;
    for (int e = 0; e < 256; e++) {
        int sc, mn, c = e / 64, r = e % 64;
        unpack_scale_k4(b + 4, e / 32, &sc, &mn);
        int q = (qs[32 * c + r % 32] >> (r >= 32 ? 4 : 0)) & 0xf;
        if (nmax_bits == 5)
            q |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
        y[e] = d * (float)sc * (float)q - dmin * (float)mn;
    }
}

static void dequantize_q6_k(const uint8_t *b, float *y)
{
    const uint8_t *ql = b, *qh = b + 128, *sc = b + 192;
    float d = get_f16(b + 208);
    for (int e = 0; e < 256; e++) {
        int h = e / 128, r = e % 128, l = r % 32, quarter = r / 32;
        int q = (ql[64 * h + l + (quarter & 1) * 32] >> (quarter >= 2 ? 4 : 0)) & 0xf;
        q |= ((qh[32 * h + l] >> (2 * quarter)) & 3) << 4;
        y[e] = d * (float)(int8_t)sc[e / 16] * (float)(q - 32);
    }
}

void gen_dequantize_row(ggml_type t, const uint8_t *in, uint64_t n, float *y)
{
    const ggml_type_traits *tr = ggml_type_get(t);
    for (uint64_t i = 0; i < n; i += tr->block_elems) {
        const uint8_t *b = in + i / tr->block_elems * tr->block_bytes;
        uint16_t h;
        switch (t) {
        case GGML_TYPE_F32: memcpy(&y[i], b, 4); break;
        case GGML_TYPE_F16: memcpy(&h, b, 2); y[i] = mlavk_f16_to_f32(h); break;
        case GGML_TYPE_BF16: memcpy(&h, b, 2); y[i] = mlavk_bf16_to_f32(h); break;
        case GGML_TYPE_Q8_0:
            for (int j = 0; j < 32; j++)
                y[i + j] = get_f16(b) * (float)(int8_t)b[2 + j];
            break;
        case GGML_TYPE_Q4_0:
            for (int j = 0; j < 32; j++)
                y[i + j] = get_f16(b) * (float)(((b[2 + j % 16] >> (j >= 16 ? 4 : 0)) & 0xf) - 8);
            break;
        case GGML_TYPE_Q4_K: dequantize_k_affine(b, 4, y + i); break;
        case GGML_TYPE_Q5_K: dequantize_k_affine(b, 5, y + i); break;
        case GGML_TYPE_Q6_K: dequantize_q6_k(b, y + i); break;
        default: break;
        }
    }
}

uint8_t gen_f32_to_fp8(float f)
{
    uint8_t sign = signbit(f) ? 0x80 : 0;
    float a = fabsf(f);
    if (isnan(f))
        return 0x7f;
    if (a >= 448.0f)
        return sign | 0x7e;
    if (a < 0.015625f) /* below 2^-6: subnormal steps of 2^-9; 8 steps is the smallest normal, code 0x08 */
        return sign | (uint8_t)lrintf(a * 512.0f);
    int e;
    float m = frexpf(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    long mant = lrintf((m * 2.0f - 1.0f) * 8.0f);
    e -= 1;
    if (mant == 8) {
        mant = 0;
        e++;
    }
    int code = ((e + 7) << 3) | (int)mant;
    return sign | (uint8_t)(code > 0x7e ? 0x7e : code);
}

float gen_fp8_to_f32(uint8_t b)
{
    int e = (b >> 3) & 0xf, m = b & 7;
    float v = e == 0 ? ldexpf((float)m, -9) : ldexpf(1.0f + (float)m / 8.0f, e - 7);
    if ((b & 0x7f) == 0x7f)
        v = NAN;
    return (b & 0x80) ? -v : v;
}
