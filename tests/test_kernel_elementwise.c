/* Element-wise kernels against double-precision references at an odd size: add, silu(g) * u, alpha * x, sigmoid,
 * and a bias added to every row in place (BIAS_ROWS rows of BIAS_N values; the values past them stay). Tolerance: abs 1e-6 rel 1e-5 (one or two float operations and a float exp). */
#include <math.h>
#include <stdlib.h>

#include "test_kernel_util.h"

#define N 10007
#define BIAS_N 97
#define BIAS_ROWS 103

typedef struct io {
    int which;
    vk_buffer a, b, out;
} io;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    io *k = user;
    vk_binding a = gpu_whole(&k->a), b = gpu_whole(&k->b), out = gpu_whole(&k->out);
    switch (k->which) {
    case 0: return ops_add(ops, rec, a, b, out, N);
    case 1: return ops_silu_mul(ops, rec, a, b, out, N);
    case 2: return ops_scale(ops, rec, a, out, N, -0.37f);
    case 3: return ops_sigmoid(ops, rec, a, out, N);
    default: return ops_add_bias(ops, rec, out, b, BIAS_N, BIAS_ROWS);
    }
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {11};
    static float a[N], b[N], got[N];
    static double want[N];
    test_rng_fill(&rng, a, N, -9, 9);
    test_rng_fill(&rng, b, N, -2, 2);
    io k = {.a = kt_upload(ctx, a, sizeof a), .b = kt_upload(ctx, b, sizeof b)};
    const char *names[5] = {"add", "silu_mul", "scale", "sigmoid", "add_bias"};
    for (k.which = 0; k.which < 5; k.which++) {
        for (int i = 0; i < N; i++) {
            double x = a[i];
            want[i] = k.which == 0 ? x + b[i]
                      : k.which == 1 ? x / (1 + exp(-x)) * b[i]
                      : k.which == 2 ? -0.37 * x
                      : k.which == 3 ? 1 / (1 + exp(-x))
                      : x + (i < BIAS_N * BIAS_ROWS ? b[i % BIAS_N] : 0.0);
        }
        /* add_bias works in place on a copy of a; the others write a poisoned output */
        k.out = k.which == 4 ? kt_upload(ctx, a, sizeof a) : kt_poisoned(ctx, N);
        kt_run(ctx, ops, record, &k);
        kt_download(ctx, &k.out, got, sizeof got);
        test_compare(names[k.which], got, want, N, 1e-6, 1e-5);
        vk_buffer_destroy(ctx, &k.out);
    }
    vk_buffer_destroy(ctx, &k.a);
    vk_buffer_destroy(ctx, &k.b);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "elementwise");
}
