/* RoPE on adjacent pairs of a sub-range of each head: plain and YaRN frequencies (host helper checked against the
 * reference doc's formula), the magnitude factor, positions read from a device buffer, H query heads and the single
 * shared k_pe; values outside the rotated ranges are untouched.
 * Tolerance: the shader forms the angle p * f in float, so abs 2.5e-7 * max position + 1e-6 for |x| < 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_kernel_util.h"

typedef struct rope_case {
    ops_rope_params params;
    uint32_t heads, tokens, head_dim, offset_in_head, token_stride;
    uint32_t max_pos;
    ops_rope_args args;
} rope_case;

/* YaRN per the reference: corr(n) = d ln(orig / (2 pi n)) / (2 ln theta), ramp between floor/ceil of
 * corr(beta_fast) and corr(beta_slow), interpolating base/factor and base. */
static double ref_freq(const ops_rope_params *p, uint32_t i)
{
    double base = pow(p->theta, -2.0 * i / p->dims);
    if (p->factor <= 1.0)
        return base;
    double d = p->dims;
    double low = floor(d * log(p->original_context / (p->beta_fast * 2 * M_PI)) / (2 * log(p->theta)));
    double high = ceil(d * log(p->original_context / (p->beta_slow * 2 * M_PI)) / (2 * log(p->theta)));
    low = low < 0 ? 0 : low;
    high = high > d - 1 ? d - 1 : high;
    double ramp = (i - low) / (high == low ? high + 0.001 - low : high - low);
    ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
    return base / p->factor * ramp + base * (1 - ramp);
}

static double ref_magnitude(const ops_rope_params *p)
{
    if (p->factor <= 1.0)
        return 1.0;
    return (0.1 * p->mscale * log(p->factor) + 1) / (0.1 * p->mscale_all_dim * log(p->factor) + 1);
}

/* x rotated as the reference says, for positions pos. */
static void reference(const rope_case *c, const float *x, const uint32_t *pos, const double *freqs, double magnitude,
                      size_t n, double *want)
{
    for (size_t i = 0; i < n; i++)
        want[i] = x[i];
    for (uint32_t t = 0; t < c->tokens; t++)
        for (uint32_t h = 0; h < c->heads; h++)
            for (uint32_t i = 0; i < c->params.dims / 2; i++) {
                size_t at = 2 + t * c->token_stride + h * c->head_dim + c->offset_in_head + 2 * i;
                double angle = pos[t] * freqs[i];
                double cs = cos(angle) * magnitude, sn = sin(angle) * magnitude;
                want[at] = x[at] * cs - x[at + 1] * sn;
                want[at + 1] = x[at] * sn + x[at + 1] * cs;
            }
}

/* Runs the case twice through one recording: the second time with new x and new positions uploaded, as decoding
 * replays a recorded step. */
static void check_one(vk_context *ctx, ops *ops, test_rng *rng, rope_case *c)
{
    uint32_t pairs = c->params.dims / 2;
    float freqs[128];
    ops_rope_frequencies(&c->params, freqs);
    double freq_want[128];
    for (uint32_t i = 0; i < pairs; i++)
        freq_want[i] = ref_freq(&c->params, i);
    test_compare("host frequencies", freqs, freq_want, pairs, 0, 1e-6);
    float magnitude = ops_rope_magnitude(&c->params);
    double magnitude_want = ref_magnitude(&c->params);
    test_compare("host magnitude", &magnitude, &magnitude_want, 1, 0, 1e-6);

    size_t n = 2 + (size_t)c->tokens * c->token_stride;
    float *x = malloc(n * sizeof *x), *got = malloc(n * sizeof *got);
    double *want = malloc(n * sizeof *want);
    uint32_t pos[16];
    vk_buffer xb = gpu_test_buffer(ctx, n * sizeof *x), pb = gpu_test_buffer(ctx, sizeof pos);
    vk_buffer fb = kt_upload(ctx, freqs, pairs * sizeof *freqs);
    c->args = (ops_rope_args){.x = {gpu_whole(&xb), 2 + c->offset_in_head, c->token_stride},
                              .dims = c->params.dims, .heads = c->heads, .tokens = c->tokens,
                              .head_stride = c->head_dim, .positions = gpu_whole(&pb), .freqs = gpu_whole(&fb),
                              .magnitude = magnitude};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_rope(ops, rec, &c->args) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    for (int replay = 0; replay < 2; replay++) {
        test_rng_fill(rng, x, n, -1, 1);
        for (uint32_t t = 0; t < c->tokens; t++)
            pos[t] = t == 0 ? c->max_pos : test_rng_below(rng, c->max_pos);
        reference(c, x, pos, freq_want, magnitude_want, n, want);
        gpu_test_upload(ctx, &xb, x, n * sizeof *x);
        gpu_test_upload(ctx, &pb, pos, sizeof pos);
        CHECK(vk_recording_run(rec) == MLAVK_OK);
        kt_download(ctx, &xb, got, n * sizeof *got);
        char label[128];
        snprintf(label, sizeof label, "%s d_r %u, %u heads x %u tokens%s", c->params.factor > 1 ? "yarn" : "plain",
                 c->params.dims, c->heads, c->tokens, replay ? ", replayed" : "");
        test_compare(label, got, want, n, 2.5e-7 * c->max_pos + 1e-6, 0);
    }
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &xb);
    vk_buffer_destroy(ctx, &pb);
    vk_buffer_destroy(ctx, &fb);
    free(x), free(got), free(want);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {5};
    /* Query-like: 5 heads of d_n 24 + d_r 16, rope on the last 16, rows padded by 3. */
    rope_case plain = {.params = {.dims = 16, .theta = 10000}, .heads = 5, .tokens = 3, .head_dim = 40,
                       .offset_in_head = 24, .token_stride = 5 * 40 + 3, .max_pos = 1000};
    check_one(ctx, ops, &rng, &plain);
    /* DeepSeek V2 YaRN on q heads (128 + 64) and on the single k_pe after the 512 latent values. */
    ops_rope_params yarn = {.dims = 64, .theta = 10000, .factor = 40, .original_context = 4096, .beta_fast = 32,
                            .beta_slow = 1, .mscale = 0.707, .mscale_all_dim = 0.707};
    rope_case q = {.params = yarn, .heads = 3, .tokens = 2, .head_dim = 192, .offset_in_head = 128,
                   .token_stride = 3 * 192, .max_pos = 1500};
    check_one(ctx, ops, &rng, &q);
    rope_case k_pe = {.params = yarn, .heads = 1, .tokens = 5, .head_dim = 576, .offset_in_head = 512,
                      .token_stride = 576, .max_pos = 700};
    k_pe.params.mscale = 1.0; /* a magnitude factor other than 1 */
    check_one(ctx, ops, &rng, &k_pe);
    /* The ramp bounds the reference doc gives for V2/V3: 10 and 23, so pair 10 keeps the base frequency and pair 23
     * is fully interpolated. */
    float f[32];
    ops_rope_frequencies(&yarn, f);
    CHECK(fabs(f[10] - pow(10000, -20.0 / 64)) < 1e-9 && fabs(f[23] - pow(10000, -46.0 / 64) / 40) < 1e-9);
    CHECK(fabs(f[11] - pow(10000, -22.0 / 64)) > 1e-6);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "rope");
}
