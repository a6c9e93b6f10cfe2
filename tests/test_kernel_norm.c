/* Row kernels against double-precision references, in both reduction modes: RMSNorm (strided and in place) and
 * softmax (plain, scaled, causal with a start position, more than 65535 rows).
 * Tolerances: RMSNorm abs 1e-5 rel 1e-5 (outputs up to ~4; a float sum of squares and one inverse sqrt);
 * softmax abs 1e-7 rel 1e-4 (float exp is accurate to a few ulp; masked entries must be exactly 0 within 1e-7). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_kernel_util.h"

typedef struct norm_case {
    uint32_t n, rows, x_stride, y_stride;
    bool in_place, softmax, causal;
    float eps_or_scale;
    uint32_t p0;
    vk_buffer x, w, y;
} norm_case;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    norm_case *c = user;
    ops_rows x = {gpu_whole(&c->x), 3, c->x_stride};
    ops_rows y = c->in_place ? x : (ops_rows){gpu_whole(&c->y), 1, c->y_stride};
    if (c->softmax)
        return ops_softmax(ops, rec, x, y, c->n, c->rows, c->eps_or_scale, c->causal, c->p0);
    return ops_rmsnorm(ops, rec, x, gpu_whole(&c->w), y, c->n, c->rows, c->eps_or_scale);
}

static void ref_rmsnorm(const float *x, const float *w, uint32_t n, double eps, double *out)
{
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    double inv = 1.0 / sqrt(ss / n + eps);
    for (uint32_t i = 0; i < n; i++)
        out[i] = x[i] * inv * w[i];
}

static void ref_softmax(const float *x, uint32_t n, uint32_t visible, double scale, double *out)
{
    double m = -INFINITY, sum = 0;
    for (uint32_t i = 0; i < visible; i++)
        m = fmax(m, scale * x[i]);
    for (uint32_t i = 0; i < visible; i++)
        sum += exp(scale * x[i] - m);
    for (uint32_t i = 0; i < n; i++)
        out[i] = i < visible ? exp(scale * x[i] - m) / sum : 0.0;
}

static void check_one(vk_context *ctx, ops *ops, const char *mode, test_rng *rng, norm_case *c)
{
    size_t x_n = 3 + (size_t)c->rows * c->x_stride, y_n = 1 + (size_t)c->rows * c->y_stride;
    float *x = malloc(x_n * sizeof *x), *w = malloc(c->n * sizeof *w), *y = malloc(y_n * sizeof *y);
    test_rng_fill(rng, x, x_n, c->softmax ? -8 : -1, c->softmax ? 8 : 1);
    test_rng_fill(rng, w, c->n, -2, 2);
    double *want = malloc((size_t)c->rows * c->n * sizeof *want);
    for (uint32_t r = 0; r < c->rows; r++) {
        const float *xr = x + 3 + r * c->x_stride;
        uint32_t visible = c->causal ? (c->p0 + r + 1 < c->n ? c->p0 + r + 1 : c->n) : c->n;
        if (c->softmax)
            ref_softmax(xr, c->n, visible, c->eps_or_scale, want + (size_t)r * c->n);
        else
            ref_rmsnorm(xr, w, c->n, c->eps_or_scale, want + (size_t)r * c->n);
    }
    c->x = kt_upload(ctx, x, x_n * sizeof *x);
    c->w = kt_upload(ctx, w, c->n * sizeof *w);
    c->y = kt_poisoned(ctx, y_n);
    kt_run(ctx, ops, record, c);
    const vk_buffer *out = c->in_place ? &c->x : &c->y;
    uint32_t out_offset = c->in_place ? 3 : 1, out_stride = c->in_place ? c->x_stride : c->y_stride;
    size_t out_n = c->in_place ? x_n : y_n;
    float *all = malloc(out_n * sizeof *all), *got = malloc((size_t)c->rows * c->n * sizeof *got);
    kt_download(ctx, out, all, out_n * sizeof *all);
    for (uint32_t r = 0; r < c->rows; r++)
        for (uint32_t i = 0; i < c->n; i++)
            got[(size_t)r * c->n + i] = all[out_offset + r * out_stride + i];
    char label[128];
    snprintf(label, sizeof label, "%s %s %u rows of %u%s%s", mode, c->softmax ? "softmax" : "rmsnorm", c->rows, c->n,
             c->causal ? " causal" : "", c->in_place ? " in place" : "");
    if (c->softmax)
        test_compare(label, got, want, (size_t)c->rows * c->n, 1e-7, 1e-4);
    else
        test_compare(label, got, want, (size_t)c->rows * c->n, 1e-5, 1e-5);
    vk_buffer_destroy(ctx, &c->x);
    vk_buffer_destroy(ctx, &c->w);
    vk_buffer_destroy(ctx, &c->y);
    free(x), free(w), free(y), free(want), free(all), free(got);
}

static void check_all(vk_context *ctx, ops *ops, const char *mode, void *user)
{
    (void)user;
    test_rng rng = {99};
    norm_case cases[] = {
        {.n = 2049, .rows = 5, .x_stride = 2053, .y_stride = 2050, .eps_or_scale = 1e-6f},
        {.n = 7, .rows = 3, .x_stride = 7, .y_stride = 9, .eps_or_scale = 1e-5f},
        {.n = 515, .rows = 4, .x_stride = 576, .in_place = true, .eps_or_scale = 1e-6f},
        {.n = 1001, .rows = 3, .x_stride = 1001, .y_stride = 1003, .softmax = true, .eps_or_scale = 1.0f},
        {.n = 1001, .rows = 9, .x_stride = 1002, .y_stride = 1001, .softmax = true, .causal = true,
         .eps_or_scale = 0.125f, .p0 = 990},
        {.n = 37, .rows = 5, .x_stride = 37, .in_place = true, .softmax = true, .causal = true,
         .eps_or_scale = 0.3f, .p0 = 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_one(ctx, ops, mode, &rng, &cases[i]);
    /* More rows than one dispatch dimension holds (prefill attention: heads x tokens); the layout does not depend
     * on the reduction mode, so one mode suffices. */
    if (strcmp(mode, "shared") == 0) {
        norm_case many = {.n = 3, .rows = 65539, .x_stride = 3, .y_stride = 3, .softmax = true, .causal = true,
                          .eps_or_scale = 0.5f, .p0 = 0};
        check_one(ctx, ops, mode, &rng, &many);
    }
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    kt_each_reduction(ctx, check_all, NULL);
    return gpu_test_finish(ctx, "norm");
}
