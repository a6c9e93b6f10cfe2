/* The MoE expert matvec's reduction kernels read each slot's expert, named by a device buffer of ids or grouped on
 * the device from it, from the right piece of a stacked weight split over several bindings; inputs shared per token
 * or one per slot; every weight type; both reduction modes; grouped, an expert with more slots than one workgroup
 * serves. Tolerance as for matvec: abs 2e-6 * sqrt(cols) * max|W|, rel 1e-5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_dequant.h"
#include "test_kernel_util.h"
#include "util/status.h"

#define EXPERTS 5
#define ROWS 37
#define TOKENS 8
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
    if (p->args.offsets.buffer)
        MLAVK_TRY(ops_moe_group(ops, rec, p->args.ids, IDS_OFFSET, p->args.slots, p->w.experts, p->args.offsets,
                                p->args.order));
    return ops_moe_matvec(ops, rec, &p->w, &p->args);
}

/* pieces == 1: one binding with every expert; otherwise 2 experts per piece in separate buffers. grouped: the slots
 * grouped by expert first (the grouped kernel), else each reads its id (the per-slot kernel). */
static void check_one(vk_context *ctx, ops *ops, const char *mode, test_rng *rng, ggml_type type, uint32_t cols,
                      uint32_t slots_per_x, uint32_t pieces, bool accumulate, bool grouped)
{
    size_t expert_bytes = ref_row_bytes(type, cols) * ROWS;
    uint8_t *w = malloc(expert_bytes * EXPERTS);
    ref_random_weights(rng, type, ROWS * EXPERTS, cols, w);
    /* Steps of 2 from a random start visit every expert (so every piece) in the first 5 slots; from slot 8 on, one
     * expert takes every even slot: 9 or more in all, more than the 8 one workgroup serves. Junk before ids_offset. */
    uint32_t ids[IDS_OFFSET + SLOTS], start = test_rng_below(rng, EXPERTS), crowded = test_rng_below(rng, EXPERTS);
    for (uint32_t i = 0; i < IDS_OFFSET + SLOTS; i++) {
        uint32_t s = i - IDS_OFFSET;
        ids[i] = i < IDS_OFFSET ? 1000 : s >= 8 && s % 2 == 0 ? crowded : (start + 2 * s) % EXPERTS;
    }
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
    vk_buffer offsets_b = kt_poisoned(ctx, EXPERTS + 1), order_b = kt_poisoned(ctx, SLOTS);
    p.args = (ops_moe_args){.ids = gpu_whole(&ids_b), .ids_offset = IDS_OFFSET, .slots = SLOTS,
                            .slots_per_x = slots_per_x, .x = {gpu_whole(&x_b), x_offset, 0},
                            .y = {gpu_whole(&y_b), Y_OFFSET, Y_STRIDE}, .accumulate = accumulate};
    if (grouped) {
        p.args.offsets = gpu_whole(&offsets_b);
        p.args.order = gpu_whole(&order_b);
    }
    kt_run(ctx, ops, record, &p);
    kt_download(ctx, &y_b, y, y_n * sizeof *y);
    float got[SLOTS * ROWS];
    for (uint32_t s = 0; s < SLOTS; s++)
        memcpy(got + s * ROWS, y + Y_OFFSET + s * Y_STRIDE, ROWS * sizeof *got);
    char label[128];
    snprintf(label, sizeof label, "%s %s%s %ux%u %s input, %u piece(s)%s", mode, grouped ? "grouped " : "",
             ggml_type_get(type)->name, ROWS, cols, slots_per_x == 1 ? "own" : "shared", p.w.piece_count,
             accumulate ? " +=" : "");
    test_compare(label, got, want, SLOTS * ROWS, 2e-6 * sqrt(cols) * w_max, 1e-5);

    for (uint32_t i = 0; i < p.w.piece_count; i++)
        vk_buffer_destroy(ctx, &piece_buffers[i]);
    vk_buffer *buffers[] = {&ids_b, &x_b, &y_b, &offsets_b, &order_b};
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        vk_buffer_destroy(ctx, buffers[i]);
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
        check_one(ctx, ops, mode, &rng, types[t], block == 1 ? 200 : cols, K, 3, false, t % 2 == 0);
        check_one(ctx, ops, mode, &rng, types[t], cols, 1, 3, false, t % 2 == 1);
    }
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q4_K, 256, K, 1, false, false);
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q4_K, 256, K, 1, false, true);
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q8_0, 96, 1, 3, true, false);
    check_one(ctx, ops, mode, &rng, GGML_TYPE_Q8_0, 96, 1, 3, true, true);
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
