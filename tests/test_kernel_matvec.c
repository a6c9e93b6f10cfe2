/* matvec and batched matmul agree with a double-precision reference for every weight type, at odd sizes, with
 * offsets and strides on x and y (16-byte aligned or not: both pipelines), with accumulation, and past 65535
 * workgroups (2-D dispatch); batches below and from OPS_GEMM_MIN_BATCH (the tiled kernel on CPU devices, the
 * cooperative one on GPUs or with MLAVK_BATCHED_MATMUL=cooperative); in both reduction modes.
 *
 * Tolerance: the reference decodes the same blocks exactly, so the GPU differs only by float rounding of the
 * products and the sum: abs 2e-6 * sqrt(cols) * max|W| (|x| < 1), rel 1e-5. Wrong decoding gives errors of the
 * order of max|W|. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_dequant.h"
#include "test_kernel_util.h"

#define Y_OFFSET 7

typedef struct problem {
    ggml_type type;
    uint32_t rows, cols, batch;
    bool accumulate;
    bool aligned_x;          /* x rows on 16-byte boundaries (the ALIGNED pipeline where weights allow) */
    uint32_t x_offset, x_stride;
    ops_weight w;
    vk_buffer x, y;
} problem;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    problem *p = user;
    ops_rows x = {gpu_whole(&p->x), p->x_offset, p->x_stride};
    ops_rows y = {gpu_whole(&p->y), Y_OFFSET, p->rows + 2};
    if (p->batch == 1)
        return ops_matvec(ops, rec, &p->w, x, y, p->accumulate);
    return ops_matmul(ops, rec, &p->w, x, y, p->batch, p->accumulate);
}

static void check_one(vk_context *ctx, ops *ops, const char *mode, test_rng *rng, problem *p)
{
    size_t row_bytes = ref_row_bytes(p->type, p->cols);
    size_t w_bytes = row_bytes * p->rows;
    uint8_t *w = malloc(w_bytes);
    ref_random_weights(rng, p->type, p->rows, p->cols, w);
    p->x_offset = p->aligned_x ? 4 : 5;
    p->x_stride = p->aligned_x ? (p->cols + 7) / 4 * 4 : p->cols + 3;
    size_t x_n = p->x_offset + (size_t)p->batch * p->x_stride, y_n = Y_OFFSET + (size_t)p->batch * (p->rows + 2);
    float *x = malloc(x_n * sizeof *x), *y = malloc(y_n * sizeof *y);
    test_rng_fill(rng, x, x_n, -1, 1);
    test_poison_f32(y, y_n);
    if (p->accumulate)
        test_rng_fill(rng, y, y_n, -1, 1);
    double *want = malloc((size_t)p->batch * p->rows * sizeof *want), *row = malloc(p->cols * sizeof *row);
    double w_max = 0;
    for (uint32_t r = 0; r < p->rows; r++) {
        ref_dequant_row(p->type, w + r * row_bytes, p->cols, row);
        for (uint32_t c = 0; c < p->cols; c++)
            w_max = fmax(w_max, fabs(row[c]));
        for (uint32_t b = 0; b < p->batch; b++) {
            double sum = p->accumulate ? y[Y_OFFSET + b * (p->rows + 2) + r] : 0.0;
            for (uint32_t c = 0; c < p->cols; c++)
                sum += row[c] * x[p->x_offset + b * p->x_stride + c];
            want[(size_t)b * p->rows + r] = sum;
        }
    }
    vk_buffer wb = kt_upload(ctx, w, w_bytes);
    p->w = (ops_weight){gpu_whole(&wb), p->type, p->rows, p->cols};
    p->x = kt_upload(ctx, x, x_n * sizeof *x);
    p->y = kt_upload(ctx, y, y_n * sizeof *y);
    kt_run(ctx, ops, record, p);
    kt_download(ctx, &p->y, y, y_n * sizeof *y);
    float *got = malloc((size_t)p->batch * p->rows * sizeof *got);
    for (uint32_t b = 0; b < p->batch; b++)
        memcpy(got + (size_t)b * p->rows, y + Y_OFFSET + b * (p->rows + 2), p->rows * sizeof *got);
    for (uint32_t b = 0; b + 1 < p->batch; b++)
        CHECK_MSG(isnan(y[Y_OFFSET + b * (p->rows + 2) + p->rows]) || p->accumulate, "stride gap overwritten");
    char label[128];
    snprintf(label, sizeof label, "%s %s %ux%u batch %u%s%s", mode, ggml_type_get(p->type)->name, p->rows, p->cols,
             p->batch, p->aligned_x ? " x16" : "", p->accumulate ? " +=" : "");
    test_compare(label, got, want, (size_t)p->batch * p->rows, 2e-6 * sqrt(p->cols) * w_max, 1e-5);
    vk_buffer_destroy(ctx, &wb);
    vk_buffer_destroy(ctx, &p->x);
    vk_buffer_destroy(ctx, &p->y);
    free(w), free(x), free(y), free(want), free(row), free(got);
}

static void check_all(vk_context *ctx, ops *ops, const char *mode, void *user)
{
    (void)user;
    test_rng rng = {42};
    const ggml_type *types = ref_weight_types;
    for (size_t t = 0; t < ref_weight_type_count; t++) {
        const ggml_type_traits *traits = ggml_type_get(types[t]);
        /* Odd column counts where the type allows, else an odd number of blocks; plain types also with rows of
         * whole 16-byte quads. x rows aligned or not, so both pipelines run. */
        uint32_t cols = traits->block_elems == 1 ? 1001 : traits->block_elems * (traits->block_elems == 32 ? 23 : 5);
        uint32_t quad_cols = traits->block_elems == 1 ? 1000 : cols;
        problem single = {.type = types[t], .rows = 67, .cols = cols, .batch = 1};
        check_one(ctx, ops, mode, &rng, &single);
        problem single_aligned = {.type = types[t], .rows = 67, .cols = quad_cols, .batch = 1, .aligned_x = true};
        check_one(ctx, ops, mode, &rng, &single_aligned);
        problem batched = {.type = types[t], .rows = 37, .cols = cols, .batch = OPS_GEMM_MIN_BATCH - 1};
        check_one(ctx, ops, mode, &rng, &batched);
        problem batched_aligned = {.type = types[t], .rows = 37, .cols = quad_cols, .batch = OPS_GEMM_MIN_BATCH - 1,
                                   .aligned_x = true};
        check_one(ctx, ops, mode, &rng, &batched_aligned);
        /* The tiled kernel: rows past one workgroup's and a batch that is no multiple of the batch tile. */
        problem tiled = {.type = types[t], .rows = 263, .cols = cols, .batch = 17};
        check_one(ctx, ops, mode, &rng, &tiled);
        problem tiled_aligned = {.type = types[t], .rows = 37, .cols = quad_cols, .batch = 70, .aligned_x = true};
        check_one(ctx, ops, mode, &rng, &tiled_aligned);
    }
    problem accumulate = {.type = GGML_TYPE_Q6_K, .rows = 41, .cols = 512, .batch = 1, .accumulate = true,
                          .aligned_x = true};
    check_one(ctx, ops, mode, &rng, &accumulate);
    problem accumulate_batched = {.type = GGML_TYPE_F16, .rows = 29, .cols = 97, .batch = OPS_GEMM_MIN_BATCH - 1,
                                  .accumulate = true};
    check_one(ctx, ops, mode, &rng, &accumulate_batched);
    problem accumulate_tiled = {.type = GGML_TYPE_Q4_K, .rows = 45, .cols = 768, .batch = 33, .accumulate = true};
    check_one(ctx, ops, mode, &rng, &accumulate_tiled);
    /* More rows than 65535 workgroups of 2 rows: the dispatch must spill into y. The layout does not depend on the
     * reduction mode, so one mode suffices (lavapipe takes seconds for it). */
    if (strcmp(mode, "shared") != 0)
        return;
    problem tall = {.type = GGML_TYPE_Q8_0, .rows = 131101, .cols = 32, .batch = 1, .aligned_x = true};
    check_one(ctx, ops, mode, &rng, &tall);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    kt_each_reduction(ctx, check_all, NULL);
    return gpu_test_finish(ctx, "matvec");
}
