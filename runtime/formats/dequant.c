#include "formats/dequant.h"

#include <string.h>

#include "formats/ggml_type.h"
#include "util/half.h"
#include "util/status.h"

static float f16_at(const uint8_t *p) { return mlavk_f16_to_f32((uint16_t)(p[0] | p[1] << 8)); }

static void q8_0(const uint8_t *b, float *y)
{
    float d = f16_at(b);
    for (int i = 0; i < 32; i++)
        y[i] = d * (int8_t)b[2 + i];
}

static void q4_0(const uint8_t *b, float *y)
{
    float d = f16_at(b);
    for (int i = 0; i < 16; i++) {
        y[i] = d * ((b[2 + i] & 0xf) - 8);
        y[i + 16] = d * ((b[2 + i] >> 4) - 8);
    }
}

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

/* Q4_K (qh == NULL) and Q5_K: 8 sub-blocks of 32, value = d * scale * q - dmin * min. */
static void q45_k(const uint8_t *b, float *y, int five_bits)
{
    float d = f16_at(b), dmin = f16_at(b + 2);
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

/* Q6_K: 16 sub-blocks of 16, value = d * scale * (q - 32), q from 4 low bits (ql) and 2 high bits (qh). */
static void q6_k(const uint8_t *b, float *y)
{
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = f16_at(b + 208);
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

mlavk_status dequantize_to_f32(uint32_t type, const void *src, float *dst, uint64_t n, const char *name)
{
    const ggml_type_traits *t = ggml_type_get(type);
    if (!t || !t->runnable || n % t->block_elems)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: cannot decode type %s", name, t ? t->name : "unknown");
    const uint8_t *p = src;
    for (uint64_t block = 0; block < n / t->block_elems; block++, p += t->block_bytes) {
        float *y = dst + block * t->block_elems;
        switch (type) {
        case GGML_TYPE_F32:
            memcpy(y, p, 4);
            break;
        case GGML_TYPE_F16:
            *y = f16_at(p);
            break;
        case GGML_TYPE_BF16:
            *y = mlavk_bf16_to_f32((uint16_t)(p[0] | p[1] << 8));
            break;
        case GGML_TYPE_Q8_0:
            q8_0(p, y);
            break;
        case GGML_TYPE_Q4_0:
            q4_0(p, y);
            break;
        case GGML_TYPE_Q4_K:
            q45_k(p, y, 0);
            break;
        case GGML_TYPE_Q5_K:
            q45_k(p, y, 1);
            break;
        case GGML_TYPE_Q6_K:
            q6_k(p, y);
            break;
        }
    }
    return MLAVK_OK;
}
