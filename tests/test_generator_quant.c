/* The generator's own encoders: every type round-trips within its tolerance on uniform and skewed data,
 * all-zero blocks decode exactly, and FP8 E4M3 encodes every code's value back to
 * that code. */
#include "test_util.h"

#include "../tools/gen_model/gen_quant.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double rel_rms(const float *x, const float *y, size_t n)
{
    double err = 0.0, ref = 0.0;
    for (size_t i = 0; i < n; i++) {
        err += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
        ref += (double)x[i] * x[i];
    }
    return ref > 0.0 ? sqrt(err / ref) : sqrt(err);
}

/* slack: outliers cost the 32-element types accuracy in their whole block; allow that much more. */
static void round_trip(ggml_type t, const float *x, size_t n, const char *what, double slack)
{
    uint8_t *q = malloc(gen_row_bytes(t, n));
    float *y = malloc(n * sizeof(float));
    gen_quantize_row(t, x, n, q);
    gen_dequantize_row(t, q, n, y);
    double e = rel_rms(x, y, n);
    CHECK_MSG(e <= slack * gen_quant_tolerance(t), "%s on %s: relative RMS error %.5f > %.5f",
              ggml_type_get(t)->name, what, e, slack * gen_quant_tolerance(t));
    free(q);
    free(y);
}

static void exact_blocks(ggml_type t)
{
    float zero[256] = {0}, y[256];
    uint8_t q[1024];
    gen_quantize_row(t, zero, 256, q);
    gen_dequantize_row(t, q, 256, y);
    for (int i = 0; i < 256; i++)
        CHECK_MSG(y[i] == 0.0f, "%s: zero block decodes to %g at %d", ggml_type_get(t)->name, y[i], i);
}

static void fp8_codes(void)
{
    for (int b = 0; b < 256; b++) {
        if ((b & 0x7f) == 0x7f)
            continue; /* NaN */
        float v = gen_fp8_to_f32((uint8_t)b);
        uint8_t back = gen_f32_to_fp8(v);
        CHECK_MSG(back == b || (v == 0.0f && (back & 0x7f) == 0), "fp8 code 0x%02x (%g) re-encodes as 0x%02x", b,
                  v, back);
    }
    CHECK(gen_fp8_to_f32(0x7e) == 448.0f);
    CHECK(gen_fp8_to_f32(0x01) == ldexpf(1.0f, -9));
    CHECK(gen_f32_to_fp8(1000.0f) == 0x7e);   /* saturates */
    CHECK(gen_f32_to_fp8(1.0625f) == 0x38);   /* halfway between 1 and 1.125: to even */
    CHECK(gen_f32_to_fp8(-1.1875f) == 0xba);  /* halfway between 1.125 and 1.25: to even (1.25) */
}

int main(void)
{
    enum { N = 4096 };
    static float uniform[N], skewed[N];
    test_rng rng = {42};
    test_rng_fill(&rng, uniform, N, -1.0f, 1.0f);
    for (int i = 0; i < N; i++) /* one large outlier per 256 and a positive offset stress the scale search */
        skewed[i] = (i % 256 == 7 ? 8.0f : 0.0f) + 0.3f + 0.5f * uniform[(i * 7) % N];
    static const ggml_type types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q8_0,
                                      GGML_TYPE_Q4_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        CHECK(gen_quant_supported(types[i]));
        round_trip(types[i], uniform, N, "uniform", 1.0);
        round_trip(types[i], skewed, N, "skewed", 2.0);
        exact_blocks(types[i]);
    }
    CHECK(!gen_quant_supported(GGML_TYPE_Q2_K));
    CHECK(gen_row_bytes(GGML_TYPE_Q4_K, 512) == 288);
    fp8_codes();
    return test_finish("generator_quantizers_round_trip");
}
