/* Embedding gather from every weight type into F32, with token ids on the device, an output offset and stride, and
 * a table split into two pieces gathered one after the other (rows outside a piece are left alone).
 * Tolerance: decoding is exact up to float rounding of d * q: abs 1e-6 * max|W| + 1e-7, rel 1e-6. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ref_dequant.h"
#include "util/status.h"
#include "test_kernel_util.h"

#define ROWS 23
#define SPLIT 9 /* first piece: rows [0, 9), second [9, 23) */
#define TOKENS 7
#define OUT_OFFSET 3

typedef struct gather {
    ops_weight pieces[2];
    uint32_t piece_begin[2];
    vk_buffer ids, out;
    uint32_t out_stride;
} gather;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    gather *g = user;
    for (int i = 0; i < 2; i++)
        MLAVK_TRY(ops_get_rows(ops, rec, &g->pieces[i], g->piece_begin[i], gpu_whole(&g->ids), TOKENS,
                               (ops_rows){gpu_whole(&g->out), OUT_OFFSET, g->out_stride}));
    return MLAVK_OK;
}

static void check_type(vk_context *ctx, ops *ops, test_rng *rng, ggml_type type, uint32_t cols)
{
    size_t row_bytes = ref_row_bytes(type, cols);
    uint8_t *w = malloc(row_bytes * ROWS);
    ref_random_weights(rng, type, ROWS, cols, w);
    uint32_t ids[TOKENS] = {0, ROWS - 1, SPLIT - 1, SPLIT, 5, 17, 5};
    gather g = {.piece_begin = {0, SPLIT}, .out_stride = cols + 2};
    vk_buffer piece0 = kt_upload(ctx, w, row_bytes * SPLIT);
    vk_buffer piece1 = kt_upload(ctx, w + row_bytes * SPLIT, row_bytes * (ROWS - SPLIT));
    g.pieces[0] = (ops_weight){gpu_whole(&piece0), type, SPLIT, cols};
    g.pieces[1] = (ops_weight){gpu_whole(&piece1), type, ROWS - SPLIT, cols};
    g.ids = kt_upload(ctx, ids, sizeof ids);
    size_t out_n = OUT_OFFSET + (size_t)TOKENS * g.out_stride;
    g.out = kt_poisoned(ctx, out_n);
    kt_run(ctx, ops, record, &g);
    float *all = malloc(out_n * sizeof *all), *got = malloc((size_t)TOKENS * cols * sizeof *got);
    double *want = malloc((size_t)TOKENS * cols * sizeof *want), w_max = 0;
    kt_download(ctx, &g.out, all, out_n * sizeof *all);
    for (uint32_t t = 0; t < TOKENS; t++) {
        ref_dequant_row(type, w + ids[t] * row_bytes, cols, want + (size_t)t * cols);
        for (uint32_t c = 0; c < cols; c++) {
            got[(size_t)t * cols + c] = all[OUT_OFFSET + t * g.out_stride + c];
            w_max = fmax(w_max, fabs(want[(size_t)t * cols + c]));
        }
        CHECK_MSG(isnan(all[OUT_OFFSET + t * g.out_stride + cols]), "get_rows wrote past a row");
    }
    char label[64];
    snprintf(label, sizeof label, "get_rows %s %u columns", ggml_type_get(type)->name, cols);
    test_compare(label, got, want, (size_t)TOKENS * cols, 1e-6 * w_max + 1e-7, 1e-6);
    vk_buffer_destroy(ctx, &piece0);
    vk_buffer_destroy(ctx, &piece1);
    vk_buffer_destroy(ctx, &g.ids);
    vk_buffer_destroy(ctx, &g.out);
    free(w), free(all), free(got), free(want);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {77};
    const ggml_type *types = ref_weight_types;
    for (size_t t = 0; t < ref_weight_type_count; t++) {
        uint32_t block = ggml_type_get(types[t])->block_elems;
        check_type(ctx, ops, &rng, types[t], block == 1 ? 301 : block == 32 ? 32 * 9 : 256 * 3);
        if (block == 1)
            check_type(ctx, ops, &rng, types[t], 304); /* rows of whole 16-byte quads: the aligned pipeline */
    }
    ops_destroy(ops);
    return gpu_test_finish(ctx, "get_rows");
}
