/* Reference decoders of the 4-bit codebook types. */
#include "ref_dequant_blocks.h"

#include <math.h>

/* The IQ4_NL codebook, ggml's kvalues_iq4nl (ggml-common.h). */
static const double iq4nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* Element e (0..31) of 32 4-bit codes in 16 bytes: the low nibble of byte e for e < 16, else the high one of e - 16. */
static int ref_code(const uint8_t *qs, int e) { return e < 16 ? qs[e] & 15 : qs[e - 16] >> 4; }

/* IQ4_NL {f16 d; uint8 qs[16]}: d iq4nl[code]. */
void ref_block_iq4_nl(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++)
        out[e] = ref_f16(ref_le16(b)) * iq4nl[ref_code(b + 2, e)];
}

/* IQ4_XS {f16 d; uint16 scales_h; uint8 scales_l[4]; uint8 qs[128]}: sub-block s (elements 32s ..) is an IQ4_NL
 * block's codes at qs + 16 s scaled by d (ls - 32), ls = 6 bits: the low 4 from scales_l, the high 2 from scales_h. */
void ref_block_iq4_xs(const uint8_t *b, double *out)
{
    int scales_h = ref_le16(b + 2);
    for (int s = 0; s < 8; s++) {
        int low = s % 2 ? b[4 + s / 2] >> 4 : b[4 + s / 2] & 15;
        int high = (scales_h >> (2 * s)) & 3;
        double scale = ref_f16(ref_le16(b)) * (low + 16 * high - 32);
        for (int e = 0; e < 32; e++)
            out[32 * s + e] = scale * iq4nl[ref_code(b + 8 + 16 * s, e)];
    }
}

/* |d| * 127 about 1. */
void ref_random_block_iq4_nl(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -0.008, 0.008)); }
/* |d| * 32 * 127 about 1. */
void ref_random_block_iq4_xs(test_rng *rng, uint8_t *b) { ref_put16(b, ref_random_f16(rng, -2.5e-4, 2.5e-4)); }

/* An FP4 E2M1 code: sign bit 3, exponent bits 1-2 (bias 1), mantissa bit 0; exponent 0 is subnormal (m / 2). */
static double ref_e2m1(int code)
{
    int exponent = (code >> 1) & 3, mantissa = code & 1;
    double magnitude = exponent ? ldexp(1.0 + mantissa / 2.0, exponent - 1) : mantissa / 2.0;
    return code & 8 ? -magnitude : magnitude;
}

/* MXFP4 {uint8 e; uint8 qs[16]}: the E8M0 scale 2^(e - 127) times E2M1(code). */
void ref_block_mxfp4(const uint8_t *b, double *out)
{
    for (int e = 0; e < 32; e++)
        out[e] = ldexp(ref_e2m1(ref_code(b + 1, e)), b[0] - 127);
}

/* Scales 2^-8 .. 2^-1: values up to 3 (E2M1's largest is 6). */
void ref_random_block_mxfp4(test_rng *rng, uint8_t *b) { b[0] = (uint8_t)(119 + test_rng_below(rng, 8)); }
