/* MoE routing on the GPU chooses the same experts, in the same order, with the same weights as a
 * double-precision router written here from the reference rules: softmax or sigmoid scores, the V3 selection
 * bias, group limits by the V2 max rule and the V3 top-2-sum rule, top-k, normalisation and scaling. The
 * expert combination adds the weighted expert outputs and the shared expert to the residual. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_test.h"
#include "ops/ops.h"
#include "test_util.h"

typedef struct route_case {
    const char *name;
    ops_moe_routing r;
    bool bias;
    uint32_t tokens;
} route_case;

/* Reference routing of one token; returns the smallest decision margin so tests can avoid near-ties. */
static double route_reference(const ops_moe_routing *r, const float *z, const float *bias, uint32_t *ids, double *w)
{
    uint32_t E = r->n_experts, per = E / r->n_groups;
    double s[256], sel[256], max_z = -INFINITY, total = 0, margin = INFINITY;
    bool allowed[256];
    for (uint32_t e = 0; e < E; e++)
        max_z = fmax(max_z, z[e]);
    for (uint32_t e = 0; e < E; e++)
        total += s[e] = r->sigmoid ? 1 / (1 + exp(-(double)z[e])) : exp((double)z[e] - max_z);
    for (uint32_t e = 0; e < E; e++) {
        s[e] = r->sigmoid ? s[e] : s[e] / total;
        sel[e] = s[e] + (bias ? bias[e] : 0);
        allowed[e] = true;
    }
    if (r->n_groups > 1) {
        double gs[64];
        bool kept[64] = {false};
        for (uint32_t g = 0; g < r->n_groups; g++) {
            double a = -INFINITY, b = -INFINITY;
            for (uint32_t e = g * per; e < (g + 1) * per; e++) {
                double v = r->group_max ? s[e] : sel[e];
                if (v > a) {
                    b = a;
                    a = v;
                } else if (v > b) {
                    b = v;
                }
            }
            gs[g] = r->group_max ? a : a + b;
        }
        for (uint32_t round = 0; round < r->n_groups_used; round++) {
            int best = -1;
            for (uint32_t g = 0; g < r->n_groups; g++)
                if (!kept[g] && (best < 0 || gs[g] > gs[best]))
                    best = (int)g;
            for (uint32_t g = 0; g < r->n_groups; g++)
                if (!kept[g] && (int)g != best)
                    margin = fmin(margin, fabs(gs[g] - gs[best]));
            kept[best] = true;
        }
        for (uint32_t e = 0; e < E; e++)
            allowed[e] = kept[e / per];
    }
    double sum = 0;
    for (uint32_t j = 0; j < r->n_used; j++) {
        int best = -1;
        for (uint32_t e = 0; e < E; e++)
            if (allowed[e] && (best < 0 || sel[e] > sel[best]))
                best = (int)e;
        for (uint32_t e = 0; e < E; e++)
            if (allowed[e] && (int)e != best)
                margin = fmin(margin, fabs(sel[e] - sel[best]));
        ids[j] = (uint32_t)best;
        allowed[best] = false;
        sum += w[j] = s[best];
    }
    for (uint32_t j = 0; j < r->n_used; j++)
        w[j] = (r->normalize ? w[j] / sum : w[j]) * r->routed_scale;
    return margin;
}

static void run_route(vk_context *ctx, ops *ops, test_rng *rng, const route_case *c)
{
    uint32_t E = c->r.n_experts, k = c->r.n_used, T = c->tokens;
    float *z = malloc(T * E * sizeof *z), bias[256];
    uint32_t *want_ids = malloc(T * k * sizeof *want_ids), *ids = malloc(T * k * sizeof *ids);
    double *want_w = malloc(T * k * sizeof *want_w);
    float *w = malloc(T * k * sizeof *w);
    /* resample until every decision has a clear margin, so float rounding cannot flip a choice */
    for (bool clear = false; !clear;) {
        test_rng_fill(rng, z, T * E, -4, 4);
        test_rng_fill(rng, bias, E, -0.2f, 0.2f);
        clear = true;
        for (uint32_t t = 0; t < T; t++)
            clear = clear && route_reference(&c->r, z + t * E, c->bias ? bias : NULL, want_ids + t * k,
                                             want_w + t * k) > 1e-4;
    }
    vk_buffer b_z = gpu_test_buffer(ctx, T * E * 4), b_bias = gpu_test_buffer(ctx, E * 4);
    vk_buffer b_ids = gpu_test_buffer(ctx, T * k * 4), b_w = gpu_test_buffer(ctx, T * k * 4);
    gpu_test_upload(ctx, &b_z, z, T * E * 4);
    gpu_test_upload(ctx, &b_bias, bias, E * 4);
    memset(ids, 0xff, T * k * 4);
    test_poison_f32(w, T * k);
    gpu_test_upload(ctx, &b_ids, ids, T * k * 4);
    gpu_test_upload(ctx, &b_w, w, T * k * 4);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK && vk_recording_begin(rec, false) == MLAVK_OK);
    vk_binding no_bias = {0};
    CHECK(ops_moe_route(ops, rec, &c->r, gpu_whole(&b_z), c->bias ? gpu_whole(&b_bias) : no_bias, gpu_whole(&b_ids),
                        gpu_whole(&b_w), T) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &b_ids, ids, T * k * 4);
    gpu_test_download(ctx, &b_w, w, T * k * 4);
    int wrong = 0;
    for (uint32_t i = 0; i < T * k; i++)
        wrong += ids[i] != want_ids[i];
    CHECK_MSG(wrong == 0, "%s: %d of %u expert ids differ (first slot: got %u want %u)", c->name, wrong, T * k, ids[0],
              want_ids[0]);
    test_compare(c->name, w, want_w, T * k, 1e-6, 1e-5);
    vk_recording_destroy(rec);
    vk_buffer *all[] = {&b_z, &b_bias, &b_ids, &b_w};
    for (int i = 0; i < 4; i++)
        vk_buffer_destroy(ctx, all[i]);
    free(z);
    free(want_ids);
    free(ids);
    free(want_w);
    free(w);
}

static void run_combine(vk_context *ctx, ops *ops, test_rng *rng)
{
    const uint32_t T = 3, k = 5, D = 301;
    float x[3 * 301], y[3 * 5 * 301], w[15], sh[3 * 301];
    double want[3 * 301];
    test_rng_fill(rng, x, T * D, -1, 1);
    test_rng_fill(rng, y, T * k * D, -1, 1);
    test_rng_fill(rng, w, T * k, 0, 2);
    test_rng_fill(rng, sh, T * D, -1, 1);
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t i = 0; i < D; i++) {
            double sum = (double)x[t * D + i] + sh[t * D + i];
            for (uint32_t j = 0; j < k; j++)
                sum += (double)w[t * k + j] * y[(t * k + j) * D + i];
            want[t * D + i] = sum;
        }
    vk_buffer bx = gpu_test_buffer(ctx, sizeof x), by = gpu_test_buffer(ctx, sizeof y);
    vk_buffer bw = gpu_test_buffer(ctx, sizeof w), bs = gpu_test_buffer(ctx, sizeof sh);
    gpu_test_upload(ctx, &bx, x, sizeof x);
    gpu_test_upload(ctx, &by, y, sizeof y);
    gpu_test_upload(ctx, &bw, w, sizeof w);
    gpu_test_upload(ctx, &bs, sh, sizeof sh);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK && vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_moe_combine(ops, rec, gpu_whole(&bx), gpu_whole(&by), gpu_whole(&bw), gpu_whole(&bs), T, k, D) ==
          MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    float got[3 * 301];
    gpu_test_download(ctx, &bx, got, sizeof got);
    test_compare("moe_combine 3 tokens x 5 experts x 301", got, want, T * D, 1e-5, 1e-5);
    vk_recording_destroy(rec);
    vk_buffer *all[] = {&bx, &by, &bw, &bs};
    for (int i = 0; i < 4; i++)
        vk_buffer_destroy(ctx, all[i]);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {77};
    const route_case cases[] = {
        {"v2-lite: softmax, 64 experts, top 6", {64, 6, 1, 1, false, false, false, 1.0f}, false, 3},
        {"v2: softmax, group max, 160/6, 8 groups keep 3", {160, 6, 8, 3, false, true, false, 16.0f}, false, 2},
        {"v3: sigmoid+bias, top-2 sum, 256/8, 8 keep 4", {256, 8, 8, 4, true, false, true, 2.5f}, true, 2},
        {"odd: sigmoid+bias, 12 experts, 4 groups keep 2", {12, 3, 4, 2, true, false, true, 1.5f}, true, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_route(ctx, ops, &rng, &cases[i]);
    run_combine(ctx, ops, &rng);
    ops_moe_routing bad = {10, 3, 4, 2, false, false, false, 1};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    vk_binding none = {0};
    CHECK(ops_moe_route(ops, rec, &bad, none, none, none, none, 1) == MLAVK_ERR_UNSUPPORTED);
    vk_recording_destroy(rec);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "moe_route");
}
