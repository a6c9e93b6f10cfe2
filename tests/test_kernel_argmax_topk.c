/* argmax (greedy decoding) and top-k (expert routing) pick exactly what a CPU scan picks, ties going to the lower
 * index; argmax in both reduction modes. Results are indices and copied values, so they must match exactly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_kernel_util.h"

#define ARGMAX_N 102407
#define ARGMAX_ROWS 3

typedef struct pick {
    vk_buffer x, ids, values;
    uint32_t n, rows, k;
} pick;

static mlavk_status record_argmax(ops *ops, vk_recording *rec, void *user)
{
    pick *p = user;
    return ops_argmax(ops, rec, (ops_rows){gpu_whole(&p->x), 1, p->n + 2}, p->n, p->rows, gpu_whole(&p->ids));
}

static mlavk_status record_topk(ops *ops, vk_recording *rec, void *user)
{
    pick *p = user;
    return ops_topk(ops, rec, (ops_rows){gpu_whole(&p->x), 1, p->n + 2}, p->n, p->rows, p->k, gpu_whole(&p->ids),
                    gpu_whole(&p->values));
}

static void check_argmax(vk_context *ctx, ops *ops, const char *mode, void *user)
{
    (void)user;
    test_rng rng = {3};
    size_t total = 1 + (size_t)ARGMAX_ROWS * (ARGMAX_N + 2);
    float *x = malloc(total * sizeof *x);
    test_rng_fill(&rng, x, total, -30, 10);
    /* Row 0: a tie between two positions; row 1: all negative; row 2: the maximum at the last index. */
    x[1 + 70001] = x[1 + 5003] = 11.0f;
    for (size_t i = 0; i < ARGMAX_N; i++)
        x[1 + (ARGMAX_N + 2) + i] -= 40.0f;
    x[1 + 2 * (ARGMAX_N + 2) + ARGMAX_N - 1] = 12.0f;
    x[1 + 2 * (ARGMAX_N + 2) + ARGMAX_N] = 99.0f; /* in the stride gap: must be ignored */
    uint32_t want[ARGMAX_ROWS], got[ARGMAX_ROWS] = {0};
    for (uint32_t r = 0; r < ARGMAX_ROWS; r++) {
        const float *row = x + 1 + r * (ARGMAX_N + 2);
        want[r] = 0;
        for (uint32_t i = 1; i < ARGMAX_N; i++)
            if (row[i] > row[want[r]])
                want[r] = i;
    }
    CHECK(want[0] == 5003 && want[2] == ARGMAX_N - 1);
    pick p = {.x = kt_upload(ctx, x, total * sizeof *x), .n = ARGMAX_N, .rows = ARGMAX_ROWS};
    uint32_t junk[ARGMAX_ROWS] = {~0u, ~0u, ~0u};
    p.ids = kt_upload(ctx, junk, sizeof junk);
    kt_run(ctx, ops, record_argmax, &p);
    kt_download(ctx, &p.ids, got, sizeof got);
    for (uint32_t r = 0; r < ARGMAX_ROWS; r++)
        CHECK_MSG(got[r] == want[r], "%s argmax row %u: got %u want %u", mode, r, got[r], want[r]);
    printf("  %s argmax %u rows of %u: %s\n", mode, ARGMAX_ROWS, ARGMAX_N,
           memcmp(got, want, sizeof got) == 0 ? "exact" : "FAIL");
    vk_buffer_destroy(ctx, &p.x);
    vk_buffer_destroy(ctx, &p.ids);
    free(x);
}

static void check_topk(vk_context *ctx, ops *ops, test_rng *rng, uint32_t n, uint32_t rows, uint32_t k)
{
    size_t total = 1 + (size_t)rows * (n + 2);
    float *x = malloc(total * sizeof *x), *values = malloc((size_t)rows * k * sizeof *values);
    uint32_t *ids = malloc((size_t)rows * k * sizeof *ids);
    test_rng_fill(rng, x, total, -1, 1);
    /* Ties: each row repeats some values at other positions, among them the row's maximum. */
    for (uint32_t r = 0; r < rows; r++) {
        float *row = x + 1 + r * (n + 2);
        uint32_t top = 0;
        for (uint32_t i = 1; i < n; i++)
            top = row[i] > row[top] ? i : top;
        row[(top + n / 2) % n] = row[top];
        for (uint32_t j = 0; j < n / 8; j++)
            row[test_rng_below(rng, n)] = row[test_rng_below(rng, n)];
    }
    pick p = {.x = kt_upload(ctx, x, total * sizeof *x), .n = n, .rows = rows, .k = k};
    p.ids = kt_poisoned(ctx, (size_t)rows * k);
    p.values = kt_poisoned(ctx, (size_t)rows * k);
    kt_run(ctx, ops, record_topk, &p);
    kt_download(ctx, &p.ids, ids, (size_t)rows * k * sizeof *ids);
    kt_download(ctx, &p.values, values, (size_t)rows * k * sizeof *values);
    int bad = 0;
    for (uint32_t r = 0; r < rows; r++) {
        const float *row = x + 1 + r * (n + 2);
        bool *taken = calloc(n, sizeof *taken);
        for (uint32_t j = 0; j < k; j++) {
            uint32_t best = n;
            for (uint32_t i = 0; i < n; i++)
                if (!taken[i] && (best == n || row[i] > row[best]))
                    best = i;
            taken[best] = true;
            if (ids[r * k + j] != best || values[r * k + j] != row[best])
                bad++;
        }
        free(taken);
    }
    CHECK_MSG(bad == 0, "topk n %u k %u: %d of %u picks differ", n, k, bad, rows * k);
    printf("  topk %u rows, %u of %u: %s\n", rows, k, n, bad ? "FAIL" : "exact");
    vk_buffer_destroy(ctx, &p.x);
    vk_buffer_destroy(ctx, &p.ids);
    vk_buffer_destroy(ctx, &p.values);
    free(x), free(values), free(ids);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    kt_each_reduction(ctx, check_argmax, NULL);
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {8};
    check_topk(ctx, ops, &rng, 64, 1, 6);     /* V2-Lite routing */
    check_topk(ctx, ops, &rng, 256, 3, 8);    /* V3 routing, a batch of tokens */
    check_topk(ctx, ops, &rng, 161, 5, 16);
    check_topk(ctx, ops, &rng, 7, 2, 7);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    vk_buffer b = kt_poisoned(ctx, 4);
    CHECK(ops_topk(ops, rec, (ops_rows){gpu_whole(&b), 0, 0}, 1025, 1, 8, gpu_whole(&b), gpu_whole(&b)) ==
          MLAVK_ERR_INVALID_ARGUMENT);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &b);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "argmax_topk");
}
