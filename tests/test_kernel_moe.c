/* The MoE expert matvec picks each slot's expert from a device buffer of ids and reads it from the right piece of a
 * stacked weight split over several bindings; inputs shared per token or one per slot; every weight type; both
 * reduction modes. Tolerance as for matvec: abs 2e-6 * sqrt(cols) * max|W|, rel 1e-5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_dequant.h"
#include "test_kernel_util.h"

#define EXPERTS 5
#define ROWS 37
#define TOKENS 2
#define K 3
#define SLOTS (TOKENS * K)
#define IDS_OFFSET 3
#define Y_OFFSET 2
#define Y_STRIDE (ROWS + 1)

typedef struct problem {
    ops_expert_weight w;
    ops_moe_args args;
} problem;

static mlavk_status record(ops *ops, vk_recording *rec, void *user)
{
    problem *p = user;
    return ops_moe_matvec(ops, rec, &p->w, &p->args);
}

/* pieces == 1: one binding with every expert; otherwise 2 experts per piece in separate buffers. */
static void check_one(vk_context *ctx, ops *ops, const char *mode, test_rng *rng, ggml_type type, uint32_t cols,
                      uint32_t slots_per_x, uint32_t pieces, bool accumulate)
{
    size_t expert_bytes = ref_row_bytes(type, cols) * ROWS;
    uint8_t *w = malloc(expert_bytes * EXPERTS);
    ref_random_weights(rng, type, ROWS * EXPERTS, cols, w);
    /* Steps of 2 from a random start visit every expert (so every piece) and repeat one; junk before ids_offset. */
    uint32_t ids[IDS_OFFSET + SLOTS], start = test_rng_below(rng, EXPERTS);
    for (uint32_t i = 0; i < IDS_OFFSET + SLOTS; i++)
        ids[i] = i < IDS_OFFSET ? 1000 : (start + 2 * (i - IDS_OFFSET)) % EXPERTS;
    /* Own inputs start one float in, so x rows are misaligned there (the unaligned pipeline) and aligned otherwise
     * where cols allows. */
    uint32_t x_rows = SLOTS / slots_per_x, x_offset = slots_per_x == 1 ? 1 : 0;
    size_t x_n = x_offset + (size_t)x_rows * cols;
    float *x = malloc(x_n * sizeof *x);
    test_rng_fill(rng, x, x_n, -1, 1);
    size_t y_n = Y_OFFSET + SLOTS * Y_STRIDE;
    float *y = malloc(y_n * sizeof *y);
    test_poison_f32(y, y_n);
    if (accumulate)
        test_rng_fill(rng, y, y_n, -1, 1);

    double *want = malloc(SLOTS * ROWS * sizeof *want), *row = malloc(cols * sizeof *row), w_max = 0;
    for (uint32_t s = 0; s < SLOTS; s++) {
        uint32_t e = ids[IDS_OFFSET + s];
        for (uint32_t r = 0; r < ROWS; r++) {
            ref_dequant_row(type, w + e * expert_bytes + r * ref_row_bytes(type, cols), cols, row);
            double sum = accumulate ? y[Y_OFFSET + s * Y_STRIDE + r] : 0.0;
            for (uint32_t c = 0; c < cols; c++) {
                sum += row[c] * x[x_offset + (s / slots_per_x) * cols + c];
                w_max = fmax(w_max, fabs(row[c]));
            }
            want[s * ROWS + r] = sum;
        }
    }

    problem p = {.w = {.piece_count = pieces == 1 ? 1 : 3, .experts_per_piece = pieces == 1 ? EXPERTS : 2,
                       .type = type, .experts = EXPERTS, .rows = ROWS, .cols = cols}};
    vk_buffer piece_buffers[3];
    for (uint32_t i = 0; i < p.w.piece_count; i++) {
        uint32_t first = i * p.w.experts_per_piece;
        uint32_t count = first + p.w.experts_per_piece > EXPERTS ? EXPERTS - first : p.w.experts_per_piece;
        piece_buffers[i] = kt_upload(ctx, w + first * expert_bytes, count * expert_bytes);
        p.w.pieces[i] = gpu_whole(&piece_buffers[i]);
    }
    vk_buffer ids_b = kt_upload(ctx, ids, sizeof ids), x_b = kt_upload(ctx, x, x_n * sizeof *x);
    vk_buffer y_b = kt_upload(ctx, y, y_n * sizeof *y);
    p.args = (ops_moe_args){.ids = gpu_whole(&ids_b), .ids_offset = IDS_OFFSET, .slots = SLOTS,
                            .slots_per_x = slots_per_x, .x = {gpu_whole(&x_b), x_offset, 0},
                            .y = {gpu_whole(&y_b), Y_OFFSET, Y_STRIDE}, .accumulate = accumulate};
    kt_run(ctx, ops, record, &p);
    kt_download(ctx, &y_b, y, y_n * sizeof *y);
    float got[SLOTS * ROWS];
    for (uint32_t s = 0; s < SLOTS; s++)
        memcpy(got + s * ROWS, y + Y_OFFSET + s * Y_STRIDE, ROWS * sizeof *got);
    char label[128];
    snprintf(label, sizeof label, "%s %s %ux%u %s input, %u piece(s)%s", mode, ggml_type_get(type)->name, ROWS, cols,
             slots_per_x == 1 ? "own" : "shared", p.w.piece_count, accumulate ? " +=" : "");
    test_compare(label, got, want, SLOTS * ROWS, 2e-6 * sqrt(cols) * w_max, 1e-5);

    for (uint32_t i = 0; i < p.w.piece_count; i++)
        vk_buffer_destroy(ctx, &piece_buffers[i]);
    vk_buffer_destroy(ctx, &ids_b);
    vk_buffer_destroy(ctx, &x_b);
    vk_buffer_destroy(ctx, &y_b);
    free(w), free(x), free(y), free(want), free(row);
}

static void check_all(vk_context *ctx, ops *ops, const char *mode, void *user)
{
    (void)user;
    test_rng rng = {1234};
    const ggml_type *types = ref_weight_types;
    for (size_t t = 0; t < ref_weight_type_count; t++) {
        uint32_t block = ggml_type_get(types[t])->block_elems;
        uint32_t cols = block == 1 ? 203 : block == 32 ? 32 * 7 : 512;
        check_one(ctx, ops, mode, &rng, types[t], block == 1 ? 200 : cols, K, 3, false);
        check_one(ctx, ops, mode, &rng, types[t], cols, 1, 3, false);
    }
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q4_K, 256, K, 1, false);
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q8_0, 96, 1, 3, true);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    kt_each_reduction(ctx, check_all, NULL);

    /* The piece planner: as many whole experts as one binding can hold. */
    uint64_t limit = vk_memory_max_buffer_size(ctx);
    uint64_t expert = 2818048; /* 1408 x 2048 in Q8_0 */
    uint32_t per_piece = ops_experts_per_piece(ctx, expert);
    uint64_t bindable = limit < UINT32_MAX ? limit : UINT32_MAX;
    CHECK(per_piece >= 1 && per_piece * expert <= bindable && (per_piece + 1) * expert > bindable);
    CHECK(ops_experts_per_piece(ctx, limit + 1) == 0);
    return gpu_test_finish(ctx, "moe");
}
