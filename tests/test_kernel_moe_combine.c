/* moe_combine forms the routing weights on the device (unbiased scores of the picked experts, optionally
 * normalized, scaled) and sums the expert outputs per token, overwriting or accumulating.
 * Tolerance: abs 1e-5 rel 1e-5 (k = 6 products and one division in float; outputs of order 1). */
#include <stdio.h>
#include <stdlib.h>

#include "test_kernel_util.h"

#define N 1001
#define K 6
#define E 64
#define TOKENS 3
#define X_STRIDE (N + 5)
#define OUT_OFFSET 4
#define OUT_STRIDE (N + 2)

typedef struct combine {
    ops_moe_combine_args args;
} combine;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    return ops_moe_combine(ops, rec, &((combine *)user)->args);
}

static void check(vk_context *ctx, ops *ops, test_rng *rng, bool normalize, bool accumulate, float scale)
{
    static float scores[TOKENS * E], x[1 + TOKENS * K * X_STRIDE], out[OUT_OFFSET + TOKENS * OUT_STRIDE];
    static double want[TOKENS * N];
    static float got[TOKENS * N];
    uint32_t ids[TOKENS * K];
    test_rng_fill(rng, scores, TOKENS * E, 0.01f, 1);
    test_rng_fill(rng, x, 1 + TOKENS * K * X_STRIDE, -2, 2);
    test_poison_f32(out, OUT_OFFSET + TOKENS * OUT_STRIDE);
    if (accumulate)
        test_rng_fill(rng, out, OUT_OFFSET + TOKENS * OUT_STRIDE, -1, 1);
    for (uint32_t i = 0; i < TOKENS * K; i++)
        ids[i] = (uint32_t)((i * 37 + test_rng_below(rng, 3)) % E);
    for (uint32_t t = 0; t < TOKENS; t++) {
        double w[K], total = 0;
        for (uint32_t j = 0; j < K; j++)
            total += w[j] = scores[t * E + ids[t * K + j]];
        for (uint32_t j = 0; j < K; j++)
            w[j] = normalize ? w[j] / total * scale : w[j] * scale;
        for (uint32_t i = 0; i < N; i++) {
            double sum = accumulate ? out[OUT_OFFSET + t * OUT_STRIDE + i] : 0;
            for (uint32_t j = 0; j < K; j++)
                sum += w[j] * x[1 + (t * K + j) * X_STRIDE + i];
            want[t * N + i] = sum;
        }
    }
    vk_buffer sb = kt_upload(ctx, scores, sizeof scores), ib = kt_upload(ctx, ids, sizeof ids);
    vk_buffer xb = kt_upload(ctx, x, sizeof x), ob = kt_upload(ctx, out, sizeof out);
    combine c = {{.scores = gpu_whole(&sb), .ids = gpu_whole(&ib), .expert_out = {gpu_whole(&xb), 1, X_STRIDE},
                  .out = {gpu_whole(&ob), OUT_OFFSET, OUT_STRIDE}, .n = N, .k = K, .experts = E, .tokens = TOKENS,
                  .normalize = normalize, .accumulate = accumulate, .scale = scale}};
    kt_run(ctx, ops, record, &c);
    kt_download(ctx, &ob, out, sizeof out);
    for (uint32_t t = 0; t < TOKENS; t++)
        for (uint32_t i = 0; i < N; i++)
            got[t * N + i] = out[OUT_OFFSET + t * OUT_STRIDE + i];
    char label[96];
    snprintf(label, sizeof label, "moe_combine%s%s, scale %g", normalize ? " normalized" : "",
             accumulate ? " +=" : "", scale);
    test_compare(label, got, want, TOKENS * N, 1e-5, 1e-5);
    vk_buffer *all[] = {&sb, &ib, &xb, &ob};
    for (int i = 0; i < 4; i++)
        vk_buffer_destroy(ctx, all[i]);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {21};
    check(ctx, ops, &rng, false, false, 1.0f);  /* V2-Lite */
    check(ctx, ops, &rng, true, true, 2.5f);    /* V3, on top of the shared experts */
    ops_destroy(ops);
    return gpu_test_finish(ctx, "moe_combine");
}
