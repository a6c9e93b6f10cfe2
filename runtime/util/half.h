/* IEEE half and bfloat16 conversions on the host (weights, KV cache readback, tests). */
#ifndef MLAVK_UTIL_HALF_H
#define MLAVK_UTIL_HALF_H

#include <stdint.h>
#include <string.h>

static inline float mlavk_bits_to_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint32_t mlavk_f32_to_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline float mlavk_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        /* zero or subnormal: value = mantissa * 2^-24 */
        float magnitude = (float)mantissa * (1.0f / 16777216.0f);
        return sign ? -magnitude : magnitude;
    }
    if (exponent == 31)
        return mlavk_bits_to_f32(sign | 0x7f800000u | (mantissa << 13));
    return mlavk_bits_to_f32(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

/* Round to nearest even, with overflow to infinity and gradual underflow. */
static inline uint16_t mlavk_f32_to_f16(float f)
{
    uint32_t bits = mlavk_f32_to_bits(f);
    uint32_t sign = (bits >> 16) & 0x8000u;
    uint32_t abs_bits = bits & 0x7fffffffu;
    if (abs_bits > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u);
    if (abs_bits >= 0x477ff000u) /* rounds to >= 65520: infinity */
        return (uint16_t)(sign | 0x7c00u);
    if (abs_bits < 0x38800000u) { /* below the smallest normal half: subnormal or zero */
        float magnitude = mlavk_bits_to_f32(abs_bits) * 16777216.0f; /* in units of 2^-24 */
        uint32_t q = (uint32_t)magnitude;
        float rest = magnitude - (float)q;
        if (rest > 0.5f || (rest == 0.5f && (q & 1u)))
            q++;
        return (uint16_t)(sign | q);
    }
    uint32_t rounded = abs_bits + 0xfffu + ((abs_bits >> 13) & 1u);
    return (uint16_t)(sign | ((rounded - (112u << 23)) >> 13));
}

static inline float mlavk_bf16_to_f32(uint16_t b) { return mlavk_bits_to_f32((uint32_t)b << 16); }

static inline uint16_t mlavk_f32_to_bf16(float f)
{
    uint32_t bits = mlavk_f32_to_bits(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((bits >> 16) | 0x40u);
    return (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

#endif
