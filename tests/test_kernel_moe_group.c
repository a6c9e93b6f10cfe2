/* MoE slots grouped by expert on the device (ops_moe_group: offsets and order, checked exactly against a CPU
 * grouping, with experts that get no slot and one that gets them all), and the tiled expert kernel that reads the
 * grouping, against a double-precision reference: every weight type, inputs shared per token or one per slot, a
 * stack split into pieces, row and slot counts that are not multiples of the tiles, accumulation. Tolerance as for
 * matvec: abs 2e-6 * sqrt(cols) * max|W|, rel 1e-5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_dequant.h"
#include "test_kernel_util.h"
#include "util/status.h"

#define IDS_OFFSET 3
#define Y_OFFSET 2
#define POISON_U32 0xdeadbeefu

typedef enum pattern {
    PATTERN_RANDOM,       /* random experts, the last one never chosen */
    PATTERN_ONE_EXPERT,   /* every slot on one expert */
    PATTERN_STEP,         /* slot s on expert (3 s) % experts: every expert, evenly */
} pattern;

/* ids[0 .. IDS_OFFSET) is junk the op must not read; the slots' ids follow. */
static uint32_t *make_ids(test_rng *rng, pattern pat, uint32_t slots, uint32_t experts)
{
    uint32_t *ids = malloc((IDS_OFFSET + slots) * sizeof *ids), one = test_rng_below(rng, experts);
    for (uint32_t i = 0; i < IDS_OFFSET; i++)
        ids[i] = i % experts;
    for (uint32_t s = 0; s < slots; s++)
        ids[IDS_OFFSET + s] = pat == PATTERN_ONE_EXPERT ? one
                              : pat == PATTERN_STEP ? (3 * s) % experts
                                                    : test_rng_below(rng, experts > 1 ? experts - 1 : 1);
    return ids;
}

typedef struct grouping {
    vk_binding ids;
    uint32_t slots, experts;
    vk_binding offsets, order;
} grouping;

static mlavk_status record_grouping(ops *ops, vk_recording *rec, void *user)
{
    grouping *g = user;
    return ops_moe_group(ops, rec, g->ids, IDS_OFFSET, g->slots, g->experts, g->offsets, g->order);
}

/* The grouping against a CPU one: offsets the exclusive prefix of the counts, order each expert's slots ascending;
 * one word past each output stays poisoned. */
static void check_grouping(vk_context *ctx, ops *ops, test_rng *rng, pattern pat, uint32_t slots, uint32_t experts)
{
    uint32_t *ids = make_ids(rng, pat, slots, experts);
    uint32_t *offsets = malloc((experts + 2) * sizeof *offsets), *order = malloc((slots + 1) * sizeof *order);
    for (uint32_t i = 0; i < experts + 2; i++)
        offsets[i] = POISON_U32;
    for (uint32_t i = 0; i < slots + 1; i++)
        order[i] = POISON_U32;
    vk_buffer ids_b = kt_upload(ctx, ids, (IDS_OFFSET + slots) * sizeof *ids);
    vk_buffer offsets_b = kt_upload(ctx, offsets, (experts + 2) * sizeof *offsets);
    vk_buffer order_b = kt_upload(ctx, order, (slots + 1) * sizeof *order);
    grouping g = {gpu_whole(&ids_b), slots, experts, gpu_whole(&offsets_b), gpu_whole(&order_b)};
    kt_run(ctx, ops, record_grouping, &g);
    kt_download(ctx, &offsets_b, offsets, (experts + 2) * sizeof *offsets);
    kt_download(ctx, &order_b, order, (slots + 1) * sizeof *order);

    uint32_t at = 0, empty = 0;
    bool ok = true;
    for (uint32_t e = 0; e < experts; e++) {
        ok &= offsets[e] == at;
        empty += offsets[e] == offsets[e + 1];
        for (uint32_t s = 0; s < slots; s++)
            if (ids[IDS_OFFSET + s] == e)
                ok &= at < slots && order[at++] == s;
    }
    ok &= at == slots && offsets[experts] == slots && offsets[experts + 1] == POISON_U32 && order[slots] == POISON_U32;
    CHECK_MSG(ok, "grouping of %u slots over %u experts (pattern %d) differs from the CPU's", slots, experts, pat);
    /* the patterns meant to leave experts without slots do */
    CHECK(pat == PATTERN_STEP || experts == 1 || empty >= 1);
    vk_buffer_destroy(ctx, &ids_b);
    vk_buffer_destroy(ctx, &offsets_b);
    vk_buffer_destroy(ctx, &order_b);
    free(ids), free(offsets), free(order);
}

typedef struct shape {
    ggml_type type;
    uint32_t experts, rows, cols, tokens, k;
    uint32_t slots_per_x;         /* k (shared input per token) or 1 (own input per slot) */
    uint32_t experts_per_piece;   /* experts: one piece */
    pattern pat;
    bool accumulate;
} shape;

typedef struct problem {
    ops_expert_weight w;
    ops_moe_args args;
} problem;

static mlavk_status record_grouped(ops *ops, vk_recording *rec, void *user)
{
    problem *p = user;
    MLAVK_TRY(ops_moe_group(ops, rec, p->args.ids, IDS_OFFSET, p->args.slots, p->w.experts, p->args.offsets,
                            p->args.order));
    return ops_moe_matvec(ops, rec, &p->w, &p->args);
}

/* want[s][r] = (y[s][r] if accumulating) + W[ids[s]][r] . x[s / slots_per_x]; returns max |W|. */
static double reference(const shape *sh, const uint8_t *w, const uint32_t *ids, const float *x, uint32_t x_offset,
                        const float *y, uint32_t y_stride, double *want)
{
    size_t row_bytes = ref_row_bytes(sh->type, sh->cols);
    double *row = malloc(sh->cols * sizeof *row), w_max = 0;
    for (uint32_t s = 0; s < sh->tokens * sh->k; s++) {
        for (uint32_t r = 0; r < sh->rows; r++) {
            ref_dequant_row(sh->type, w + ((size_t)ids[IDS_OFFSET + s] * sh->rows + r) * row_bytes, sh->cols, row);
            double sum = sh->accumulate ? y[Y_OFFSET + s * y_stride + r] : 0.0;
            for (uint32_t c = 0; c < sh->cols; c++) {
                sum += row[c] * x[x_offset + (size_t)(s / sh->slots_per_x) * sh->cols + c];
                w_max = fmax(w_max, fabs(row[c]));
            }
            want[(size_t)s * sh->rows + r] = sum;
        }
    }
    free(row);
    return w_max;
}

static void check_kernel(vk_context *ctx, ops *ops, const char *mode, test_rng *rng, const shape *sh)
{
    const uint32_t slots = sh->tokens * sh->k, y_stride = sh->rows + 1;
    size_t expert_bytes = ref_row_bytes(sh->type, sh->cols) * sh->rows;
    uint8_t *w = malloc(expert_bytes * sh->experts);
    ref_random_weights(rng, sh->type, sh->rows * sh->experts, sh->cols, w);
    uint32_t *ids = make_ids(rng, sh->pat, slots, sh->experts);
    /* Own inputs start one float in, so x rows are misaligned there (the unaligned pipeline). */
    uint32_t x_offset = sh->slots_per_x == 1 ? 1 : 0;
    size_t x_n = x_offset + (size_t)(slots / sh->slots_per_x) * sh->cols, y_n = Y_OFFSET + (size_t)slots * y_stride;
    float *x = malloc(x_n * sizeof *x), *y = malloc(y_n * sizeof *y);
    test_rng_fill(rng, x, x_n, -1, 1);
    test_poison_f32(y, y_n);
    if (sh->accumulate)
        test_rng_fill(rng, y, y_n, -1, 1);
    double *want = malloc((size_t)slots * sh->rows * sizeof *want);
    double w_max = reference(sh, w, ids, x, x_offset, y, y_stride, want);

    problem p = {.w = {.experts_per_piece = sh->experts_per_piece, .type = sh->type, .experts = sh->experts,
                       .rows = sh->rows, .cols = sh->cols}};
    p.w.piece_count = (sh->experts + sh->experts_per_piece - 1) / sh->experts_per_piece;
    vk_buffer pieces[OPS_MAX_PIECES];
    for (uint32_t i = 0; i < p.w.piece_count; i++) {
        uint32_t first = i * sh->experts_per_piece, count = sh->experts - first;
        count = count < sh->experts_per_piece ? count : sh->experts_per_piece;
        pieces[i] = kt_upload(ctx, w + first * expert_bytes, count * expert_bytes);
        p.w.pieces[i] = gpu_whole(&pieces[i]);
    }
    vk_buffer ids_b = kt_upload(ctx, ids, (IDS_OFFSET + slots) * sizeof *ids), x_b = kt_upload(ctx, x, x_n * 4);
    vk_buffer y_b = kt_upload(ctx, y, y_n * 4), offsets_b = kt_poisoned(ctx, sh->experts + 1);
    vk_buffer order_b = kt_poisoned(ctx, slots);
    p.args = (ops_moe_args){.ids = gpu_whole(&ids_b), .ids_offset = IDS_OFFSET, .slots = slots,
                            .slots_per_x = sh->slots_per_x, .x = {gpu_whole(&x_b), x_offset, 0},
                            .y = {gpu_whole(&y_b), Y_OFFSET, y_stride}, .accumulate = sh->accumulate,
                            .offsets = gpu_whole(&offsets_b), .order = gpu_whole(&order_b), .tiled = true};
    kt_run(ctx, ops, record_grouped, &p);
    kt_download(ctx, &y_b, y, y_n * sizeof *y);
    float *got = malloc((size_t)slots * sh->rows * sizeof *got);
    for (uint32_t s = 0; s < slots; s++)
        memcpy(got + (size_t)s * sh->rows, y + Y_OFFSET + (size_t)s * y_stride, sh->rows * sizeof *got);
    char label[160];
    snprintf(label, sizeof label, "%s grouped %s %u experts of %ux%u, %u x %u slots, %s input, %u piece(s)%s%s", mode,
             ggml_type_get(sh->type)->name, sh->experts, sh->rows, sh->cols, sh->tokens, sh->k,
             sh->slots_per_x == 1 ? "own" : "shared", p.w.piece_count,
             sh->pat == PATTERN_ONE_EXPERT ? ", one expert" : "", sh->accumulate ? " +=" : "");
    test_compare(label, got, want, (size_t)slots * sh->rows, 2e-6 * sqrt(sh->cols) * w_max, 1e-5);

    for (uint32_t i = 0; i < p.w.piece_count; i++)
        vk_buffer_destroy(ctx, &pieces[i]);
    vk_buffer *buffers[] = {&ids_b, &x_b, &y_b, &offsets_b, &order_b};
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        vk_buffer_destroy(ctx, buffers[i]);
    free(w), free(ids), free(x), free(y), free(want), free(got);
}

static void check_all(vk_context *ctx, ops *ops, const char *mode, void *user)
{
    (void)user;
    test_rng rng = {4321};
    check_grouping(ctx, ops, &rng, PATTERN_RANDOM, 15, 7);
    check_grouping(ctx, ops, &rng, PATTERN_ONE_EXPERT, 37, 64);
    check_grouping(ctx, ops, &rng, PATTERN_RANDOM, 1, 1);
    check_grouping(ctx, ops, &rng, PATTERN_STEP, 1001, OPS_MOE_MAX_EXPERTS);
    check_grouping(ctx, ops, &rng, PATTERN_RANDOM, 3 * 1000 + 1, OPS_MOE_MAX_EXPERTS);

    const ggml_type *types = ref_weight_types;
    /* 5 tokens x 3 slots over 7 experts in pieces of 3: tiles of 2-4 slots end part-full, and the last expert
     * gets none; 37 rows leave most of a workgroup's 256 rows past the end. */
    for (size_t t = 0; t < ref_weight_type_count; t++) {
        uint32_t block = ggml_type_get(types[t])->block_elems;
        uint32_t cols = block == 1 ? 203 : block == 32 ? 32 * 7 : 512;
        shape sh = {types[t], 7, 37, block == 1 ? 200 : cols, 5, 3, 3, 3, PATTERN_RANDOM, false};
        check_kernel(ctx, ops, mode, &rng, &sh);
        sh.cols = cols;
        sh.slots_per_x = 1;
        check_kernel(ctx, ops, mode, &rng, &sh);
    }
    /* rows over two workgroups, one piece; one expert with every slot; accumulation */
    check_kernel(ctx, ops, mode, &rng, &(shape){GGML_TYPE_Q8_0, 9, 301, 64, 7, 3, 3, 9, PATTERN_RANDOM, false});
    check_kernel(ctx, ops, mode, &rng, &(shape){GGML_TYPE_Q4_K, 4, 45, 256, 9, 2, 1, 2, PATTERN_ONE_EXPERT, false});
    check_kernel(ctx, ops, mode, &rng, &(shape){GGML_TYPE_F16, 6, 33, 64, 3, 3, 3, 4, PATTERN_STEP, true});
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    kt_each_reduction(ctx, check_all, NULL);
    return gpu_test_finish(ctx, "moe group");
}
