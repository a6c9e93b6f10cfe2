/* The attention temperature of Mistral Large 3 files: each token's query row is multiplied in place by
 * log(floor(p / n) + 1) * s + 1 for its position p (read on the device); the gaps between rows are untouched.
 * Checked against the definition in double precision, at positions that put floor(p / n) on both sides of several
 * steps, and replayed with new positions as decoding replays a recorded step.
 * Tolerance: the factor is formed in float (log to a few ulp), so 1e-6 relative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_kernel_util.h"

static void check_one(vk_context *ctx, ops *ops, test_rng *rng, uint32_t n, uint32_t tokens, uint32_t stride,
                      uint32_t offset, uint32_t length, float scale)
{
    size_t total = offset + (size_t)tokens * stride + 3;
    float *x = malloc(total * sizeof *x), *got = malloc(total * sizeof *got);
    double *want = malloc(total * sizeof *want);
    uint32_t pos[64];
    vk_buffer xb = gpu_test_buffer(ctx, total * sizeof *x), pb = gpu_test_buffer(ctx, sizeof pos);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_attn_temperature(ops, rec, (ops_rows){gpu_whole(&xb), offset, stride}, n, tokens, gpu_whole(&pb), length,
                               scale) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    for (int replay = 0; replay < 2; replay++) {
        test_rng_fill(rng, x, total, -2, 2);
        for (uint32_t t = 0; t < tokens; t++) /* exact multiples of length, their neighbours, and anything */
            pos[t] = t % 3 == 0 ? (t + replay) * length : t % 3 == 1 ? (t + replay) * length - 1
                                                                         : test_rng_below(rng, 40 * length);
        for (size_t i = 0; i < total; i++)
            want[i] = x[i];
        for (uint32_t t = 0; t < tokens; t++) {
            double factor = log(floor((double)pos[t] / length) + 1.0) * scale + 1.0;
            for (uint32_t i = 0; i < n; i++)
                want[offset + (size_t)t * stride + i] = x[offset + (size_t)t * stride + i] * factor;
        }
        gpu_test_upload(ctx, &xb, x, total * sizeof *x);
        gpu_test_upload(ctx, &pb, pos, sizeof pos);
        CHECK(vk_recording_run(rec) == MLAVK_OK);
        kt_download(ctx, &xb, got, total * sizeof *got);
        char label[128];
        snprintf(label, sizeof label, "%u values x %u tokens, length %u, scale %g%s", n, tokens, length, scale,
                 replay ? ", replayed" : "");
        test_compare(label, got, want, total, 0, 1e-6);
    }
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &xb);
    vk_buffer_destroy(ctx, &pb);
    free(x), free(got), free(want);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {9};
    /* query rows of 3 heads x (d_n 24 + d_r 16) = 120, packed and with a gap of 7 */
    check_one(ctx, ops, &rng, 120, 11, 120, 0, 4, 0.5f);
    check_one(ctx, ops, &rng, 120, 13, 127, 5, 1, 0.1f);
    /* a decode step (one token), Mistral Large 3's length 8192 and a row wider than a workgroup */
    check_one(ctx, ops, &rng, 300, 1, 300, 2, 8192, 0.1f);
    check_one(ctx, ops, &rng, 333, 40, 340, 1, 7, 2.0f);
    vk_recording *rec;
    vk_buffer b = gpu_test_buffer(ctx, 64);
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK && vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_attn_temperature(ops, rec, (ops_rows){gpu_whole(&b), 0, 0}, 4, 1, gpu_whole(&b), 0, 1.0f) ==
          MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &b);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "attn_temperature");
}
