/* The benchmark's row and element-wise kernels at DeepSeek-V2-Lite sizes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"

typedef struct row_case {
    int kind;
    uint32_t n, rows, k;
    vk_buffer x, w, y, ids;
} row_case;

enum { RMSNORM, SOFTMAX, SILU_MUL, ARGMAX, TOPK };

static mlavk_status record_row(bench *b, vk_recording *rec, void *user)
{
    row_case *c = user;
    ops_rows x = {bench_whole(&c->x), 0, 0}, y = {bench_whole(&c->y), 0, 0};
    switch (c->kind) {
    case RMSNORM: return ops_rmsnorm(b->ops, rec, x, bench_whole(&c->w), y, c->n, c->rows, 1e-6f);
    case SOFTMAX: return ops_softmax(b->ops, rec, x, y, c->n, c->rows, 0.1147f, true, c->n - c->rows);
    case SILU_MUL: return ops_silu_mul(b->ops, rec, bench_whole(&c->x), bench_whole(&c->w), bench_whole(&c->y), c->n);
    case ARGMAX: return ops_argmax(b->ops, rec, x, c->n, c->rows, bench_whole(&c->ids));
    default: return ops_topk(b->ops, rec, x, c->n, c->rows, c->k, bench_whole(&c->ids), bench_whole(&c->y));
    }
}

/* The reference result of one case; for argmax and topk the ids, as floats. */
static void reference(const row_case *c, const float *x, const float *w, double *want)
{
    for (uint32_t r = 0; r < c->rows; r++) {
        const float *xr = x + (size_t)r * c->n;
        double ss = 0, m = -INFINITY, sum = 0;
        uint32_t visible = c->n - c->rows + r + 1, best = 0;
        for (uint32_t i = 0; i < c->n; i++) {
            ss += (double)xr[i] * xr[i];
            if (i < visible)
                m = fmax(m, 0.1147 * xr[i]);
            best = xr[i] > xr[best] ? i : best;
        }
        for (uint32_t i = 0; i < visible; i++)
            sum += exp(0.1147 * xr[i] - m);
        for (uint32_t i = 0; c->kind <= SILU_MUL && i < c->n; i++)
            want[(size_t)r * c->n + i] = c->kind == RMSNORM ? xr[i] / sqrt(ss / c->n + 1e-6) * w[i]
                                         : c->kind == SOFTMAX ? (i < visible ? exp(0.1147 * xr[i] - m) / sum : 0)
                                                              : xr[i] / (1 + exp(-(double)xr[i])) * w[i];
        if (c->kind == ARGMAX)
            want[r] = best;
        for (uint32_t j = 0; c->kind == TOPK && j < c->k; j++) {
            uint32_t pick = c->n;
            for (uint32_t i = 0; i < c->n; i++) {
                bool taken = false;
                for (uint32_t q = 0; q < j; q++)
                    taken |= want[(size_t)r * c->k + q] == i;
                if (!taken && (pick == c->n || xr[i] > xr[pick]))
                    pick = i;
            }
            want[(size_t)r * c->k + j] = pick;
        }
    }
}

static void bench_row(bench *b, const char *kernel, int kind, uint32_t n, uint32_t rows, uint32_t k)
{
    row_case c = {.kind = kind, .n = n, .rows = rows, .k = k};
    size_t total = (size_t)n * rows, outputs = kind == ARGMAX ? rows : kind == TOPK ? (size_t)rows * k : total;
    float *x = malloc(total * sizeof *x), *w = malloc(total * sizeof *w), *got = malloc(outputs * sizeof *got);
    double *want = malloc(outputs * sizeof *want);
    test_rng_fill(&b->rng, x, total, -4, 4);
    test_rng_fill(&b->rng, w, total, -1, 1);
    reference(&c, x, w, want);
    c.x = bench_buffer(b, x, total * sizeof *x);
    c.w = bench_buffer(b, w, total * sizeof *w);
    c.y = bench_buffer(b, NULL, total * sizeof *x);
    c.ids = bench_buffer(b, NULL, outputs * sizeof(uint32_t));
    double error = INFINITY, ms = -1;
    if (bench_run_once(b, record_row, &c)) {
        if (kind == ARGMAX || kind == TOPK) {
            uint32_t *ids = malloc(outputs * sizeof *ids);
            vk_buffer_read(b->ctx, &c.ids, 0, ids, outputs * sizeof *ids);
            for (size_t i = 0; i < outputs; i++)
                got[i] = (float)ids[i];
            free(ids);
        } else {
            vk_buffer_read(b->ctx, &c.y, 0, got, outputs * sizeof *got);
        }
        error = bench_max_error(got, want, outputs, kind == SOFTMAX ? 1e-3 : 1.0);
        ms = bench_time(b, record_row, &c);
    }
    char size[64];
    snprintf(size, sizeof size, k ? "%u rows of %u, k %u" : "%u rows of %u", rows, n, k);
    double bytes = 4.0 * total * (kind == SILU_MUL ? 3 : kind == RMSNORM || kind == SOFTMAX ? 2 : 1);
    bench_report(b, kernel, "f32", size, ms, bytes, 5.0 * total, error < 1e-5, error);
    vk_buffer *all[] = {&c.x, &c.w, &c.y, &c.ids};
    for (int i = 0; i < 4; i++)
        vk_buffer_destroy(b->ctx, all[i]);
    free(x), free(w), free(got), free(want);
}

void bench_row_cases(bench *b)
{
    bench_row(b, "rmsnorm", RMSNORM, 2048, 1, 0);
    bench_row(b, "rmsnorm", RMSNORM, 2048, 64, 0);
    bench_row(b, "softmax", SOFTMAX, 4096, 16, 0); /* 16 heads over a 4096-token context */
    bench_row(b, "silu_mul", SILU_MUL, 10944, 1, 0);
    bench_row(b, "argmax", ARGMAX, 102400, 1, 0);
    bench_row(b, "topk", TOPK, 64, 1, 6);
    bench_row(b, "topk", TOPK, 256, 64, 8);
}
