/* The benchmark's cases: dense matvec / matmul per weight type, MoE expert matvec, and the row kernels. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ref_dequant.h"
#include "util/status.h"


typedef struct dense {
    ops_weight w;
    vk_buffer wb, xb, yb;
    uint32_t batch;
} dense;

static mlavk_status record_dense(bench *b, vk_recording *rec, void *user)
{
    dense *d = user;
    ops_rows x = {bench_whole(&d->xb), 0, 0}, y = {bench_whole(&d->yb), 0, 0};
    return ops_matmul(b->ops, rec, &d->w, x, y, d->batch, false);
}

/* W x for batch rows of x, in double from the decoded blocks; the scale for the error is sqrt(cols) * max|W|. */
static double reference_matmul(ggml_type type, const uint8_t *w, uint32_t rows, uint32_t cols, const float *x,
                               uint32_t batch, double *want)
{
    size_t row_bytes = ref_row_bytes(type, cols);
    double *row = malloc(cols * sizeof *row), w_max = 0;
    for (uint32_t r = 0; r < rows; r++) {
        ref_dequant_row(type, w + r * row_bytes, cols, row);
        for (uint32_t c = 0; c < cols; c++)
            w_max = fmax(w_max, fabs(row[c]));
        for (uint32_t i = 0; i < batch; i++) {
            double sum = 0;
            for (uint32_t c = 0; c < cols; c++)
                sum += row[c] * x[(size_t)i * cols + c];
            want[(size_t)i * rows + r] = sum;
        }
    }
    free(row);
    return sqrt(cols) * w_max;
}

static void bench_dense(bench *b, const char *kernel, ggml_type type, uint32_t rows, uint32_t cols, uint32_t batch)
{
    size_t row_bytes = ref_row_bytes(type, cols);
    VkDeviceSize limit = vk_memory_max_buffer_size(b->ctx);
    if (row_bytes * rows > limit)
        rows = (uint32_t)(limit / row_bytes); /* what one binding can hold on this device */
    uint8_t *w = malloc(row_bytes * rows);
    float *x = malloc((size_t)batch * cols * sizeof *x), *got = malloc((size_t)batch * rows * sizeof *got);
    double *want = malloc((size_t)batch * rows * sizeof *want);
    ref_random_weights(&b->rng, type, rows, cols, w);
    test_rng_fill(&b->rng, x, (size_t)batch * cols, -1, 1);
    double scale = reference_matmul(type, w, rows, cols, x, batch, want);
    dense d = {.batch = batch};
    d.wb = bench_buffer(b, w, row_bytes * rows);
    d.xb = bench_buffer(b, x, (size_t)batch * cols * sizeof *x);
    d.yb = bench_buffer(b, NULL, (size_t)batch * rows * sizeof *got);
    d.w = (ops_weight){bench_whole(&d.wb), type, rows, cols};
    bool ran = bench_run_once(b, record_dense, &d);
    double error = INFINITY, ms = -1;
    if (ran) {
        vk_buffer_read(b->ctx, &d.yb, 0, got, (size_t)batch * rows * sizeof *got);
        error = bench_max_error(got, want, (size_t)batch * rows, scale);
        ms = bench_time(b, record_dense, &d);
    }
    char size[64];
    snprintf(size, sizeof size, batch > 1 ? "%ux%u x %u" : "%ux%u", rows, cols, batch);
    double bytes = (double)row_bytes * rows + 4.0 * batch * ((double)cols + rows);
    bench_report(b, kernel, ggml_type_get(type)->name, size, ms, bytes, 2.0 * rows * cols * batch, error < 2e-6,
                 error);
    vk_buffer_destroy(b->ctx, &d.wb);
    vk_buffer_destroy(b->ctx, &d.xb);
    vk_buffer_destroy(b->ctx, &d.yb);
    free(w), free(x), free(got), free(want);
}

void bench_matvec_cases(bench *b)
{
    /* DeepSeek-V2-Lite: attention 2048x2048, dense FFN 10944x2048 and 2048x10944, vocabulary 102400x2048. */
    const uint32_t sizes[][2] = {{2048, 2048}, {10944, 2048}, {2048, 10944}, {b->cpu_device ? 16384 : 102400, 2048}};
    for (size_t s = 0; s < (b->quick ? 1 : 4); s++)
        for (size_t t = 0; t < ref_weight_type_count; t++)
            if (ref_row_bytes(ref_weight_types[t], sizes[s][1]) &&
                sizes[s][1] % ggml_type_get(ref_weight_types[t])->block_elems == 0)
                bench_dense(b, "matvec", ref_weight_types[t], sizes[s][0], sizes[s][1], 1);
}

void bench_matmul_cases(bench *b)
{
    /* Prefill at V2-Lite shapes: q projection 3072x2048 (every type), latent projection 576x2048, dense FFN
     * 10944x2048, an expert's 1408x2048; 64 tokens, and 512 for the q projection. */
    for (size_t t = 0; t < (b->quick ? 1 : ref_weight_type_count); t++)
        bench_dense(b, "matmul", b->quick ? GGML_TYPE_Q8_0 : ref_weight_types[t], 3072, 2048, 64);
    if (b->quick)
        return;
    const ggml_type types[] = {GGML_TYPE_F16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_K, GGML_TYPE_Q6_K};
    const uint32_t sizes[][2] = {{576, 2048}, {10944, 2048}, {1408, 2048}};
    for (size_t s = 0; s < 3; s++)
        for (size_t t = 0; t < 4; t++)
            bench_dense(b, "matmul", types[t], sizes[s][0], sizes[s][1], 64);
    for (size_t t = 1; t < 3; t++)
        bench_dense(b, "matmul", types[t], 3072, 2048, 512);
}

typedef struct moe {
    ops_expert_weight w;
    vk_buffer pieces[OPS_MAX_PIECES], ids, x, y, offsets, order;
    ops_moe_args args;
} moe;

/* With a grouping, each instance groups the slots too (as the forward pass does once per layer for 3 products). */
static mlavk_status record_moe(bench *b, vk_recording *rec, void *user)
{
    moe *m = user;
    if (m->args.offsets.buffer)
        MLAVK_TRY(ops_moe_group(b->ops, rec, m->args.ids, 0, m->args.slots, m->w.experts, m->args.offsets,
                                m->args.order));
    return ops_moe_matvec(b->ops, rec, &m->w, &m->args);
}

typedef enum moe_kernel { MOE_PER_SLOT, MOE_GROUPED, MOE_TILED } moe_kernel;

/* Distinct random experts for each token's k slots (a prompt's routing). */
static void random_ids(bench *b, uint32_t *ids, uint32_t tokens, uint32_t k, uint32_t experts)
{
    for (uint32_t t = 0; t < tokens; t++)
        for (uint32_t j = 0; j < k; j++) {
            uint32_t e;
            bool taken;
            do {
                e = test_rng_below(&b->rng, experts);
                taken = false;
                for (uint32_t i = 0; i < j; i++)
                    taken |= ids[t * k + i] == e;
            } while (taken);
            ids[t * k + j] = e;
        }
}

/* Reference of the first `checked` slots; returns the error scale. */
static double reference_moe(const moe *m, const uint8_t *w, const uint32_t *ids, const float *x, uint32_t checked,
                            double *want)
{
    size_t expert_bytes = ref_row_bytes(m->w.type, m->w.cols) * m->w.rows;
    double scale = 0;
    for (uint32_t s = 0; s < checked; s++)
        scale = fmax(scale, reference_matmul(m->w.type, w + ids[s] * expert_bytes, m->w.rows, m->w.cols,
                                             x + (size_t)(s / m->args.slots_per_x) * m->w.cols, 1,
                                             want + (size_t)s * m->w.rows));
    return scale;
}

/* tokens x k slots over E experts (rows x cols each), each token's k slots sharing its input, the experts split over
 * as many pieces as needed; by the reduction kernel per slot or over the slots grouped by expert, or grouped by the
 * tiled kernel. The reference checks the first 12 slots (every slot of a long prompt would take the CPU minutes). */
static void bench_moe(bench *b, ggml_type type, uint32_t experts, uint32_t tokens, uint32_t k, uint32_t rows,
                      uint32_t cols, moe_kernel kernel)
{
    size_t expert_bytes = ref_row_bytes(type, cols) * rows;
    uint32_t per_piece = ops_experts_per_piece(b->ctx, expert_bytes), slots = tokens * k;
    if (per_piece == 0 || (uint64_t)per_piece * OPS_MAX_PIECES < experts) {
        printf("%-10s %-6s %u of %u: %ux%u does not fit %d bindings on this device: skipped\n", "moe",
               ggml_type_get(type)->name, k, experts, rows, cols, OPS_MAX_PIECES);
        return;
    }
    moe m = {.w = {.piece_count = (experts + per_piece - 1) / per_piece, .experts_per_piece = per_piece,
                   .type = type, .experts = experts, .rows = rows, .cols = cols}};
    uint8_t *w = malloc(expert_bytes * experts);
    ref_random_weights(&b->rng, type, rows * experts, cols, w);
    for (uint32_t i = 0; i < m.w.piece_count; i++) {
        uint32_t first = i * per_piece, count = experts - first < per_piece ? experts - first : per_piece;
        m.pieces[i] = bench_buffer(b, w + first * expert_bytes, count * expert_bytes);
        m.w.pieces[i] = bench_whole(&m.pieces[i]);
    }
    uint32_t *ids = malloc(slots * sizeof *ids), checked = slots < 12 ? slots : 12;
    random_ids(b, ids, tokens, k, experts);
    float *x = malloc((size_t)tokens * cols * sizeof *x), *got = malloc((size_t)slots * rows * sizeof *got);
    test_rng_fill(&b->rng, x, (size_t)tokens * cols, -1, 1);
    m.args = (ops_moe_args){.slots = slots, .slots_per_x = k, .tiled = kernel == MOE_TILED};
    double *want = malloc((size_t)checked * rows * sizeof *want);
    double scale = reference_moe(&m, w, ids, x, checked, want);
    m.ids = bench_buffer(b, ids, slots * sizeof *ids);
    m.x = bench_buffer(b, x, (size_t)tokens * cols * sizeof *x);
    m.y = bench_buffer(b, NULL, (size_t)slots * rows * sizeof *got);
    m.args.ids = bench_whole(&m.ids);
    m.args.x = (ops_rows){bench_whole(&m.x), 0, 0};
    m.args.y = (ops_rows){bench_whole(&m.y), 0, 0};
    if (kernel != MOE_PER_SLOT) {
        m.offsets = bench_buffer(b, NULL, (experts + 1) * sizeof(uint32_t));
        m.order = bench_buffer(b, NULL, slots * sizeof(uint32_t));
        m.args.offsets = bench_whole(&m.offsets);
        m.args.order = bench_whole(&m.order);
    }
    double error = INFINITY, ms = -1;
    if (bench_run_once(b, record_moe, &m)) {
        vk_buffer_read(b->ctx, &m.y, 0, got, (size_t)checked * rows * sizeof *got);
        error = bench_max_error(got, want, (size_t)checked * rows, scale);
        ms = bench_time(b, record_moe, &m);
    }
    char size[80];
    static const char *const kernel_names[] = {"", " grouped", " tiled"};
    snprintf(size, sizeof size, "%ux%u of %u: %ux%u%s", tokens, k, experts, rows, cols, kernel_names[kernel]);
    uint32_t read = slots < experts ? slots : experts; /* grouped: each used expert once (at best) */
    bench_report(b, "moe", ggml_type_get(type)->name, size, ms,
                 (double)expert_bytes * (kernel == MOE_PER_SLOT ? slots : read) + 4.0 * (tokens * cols + slots * rows),
                 2.0 * slots * rows * cols, error < 2e-6, error);
    vk_buffer *buffers[] = {&m.ids, &m.x, &m.y, &m.offsets, &m.order};
    for (uint32_t i = 0; i < m.w.piece_count; i++)
        vk_buffer_destroy(b->ctx, &m.pieces[i]);
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; i++)
        vk_buffer_destroy(b->ctx, buffers[i]);
    free(w), free(ids), free(x), free(got), free(want);
}

void bench_moe_cases(bench *b)
{
    /* V2-Lite routed experts: 6 of 64, gate/up 1408x2048 and down 2048x1408 (1408 is not a multiple of 256). */
    for (size_t t = 0; t < ref_weight_type_count; t++) {
        bench_moe(b, ref_weight_types[t], 64, 1, 6, 1408, 2048, MOE_PER_SLOT);
        if (!b->quick && 1408 % ggml_type_get(ref_weight_types[t])->block_elems == 0)
            bench_moe(b, ref_weight_types[t], 64, 1, 6, 2048, 1408, MOE_PER_SLOT);
    }
    if (b->quick)
        return;
    /* Prompts: 64 tokens, by each kernel; each at fewer tokens (decode batches of several sequences). */
    const ggml_type types[] = {GGML_TYPE_Q8_0, GGML_TYPE_Q4_K};
    for (size_t t = 0; t < 2; t++)
        for (moe_kernel kernel = MOE_PER_SLOT; kernel <= MOE_TILED; kernel++)
            bench_moe(b, types[t], 64, 64, 6, 1408, 2048, kernel);
    for (moe_kernel kernel = MOE_PER_SLOT; kernel <= MOE_TILED; kernel++)
        bench_moe(b, GGML_TYPE_Q8_0, 64, 64, 6, 2048, 1408, kernel);
    const uint32_t few[] = {2, 4, 8, 16};
    for (size_t i = 0; i < 4; i++)
        for (moe_kernel kernel = MOE_PER_SLOT; kernel <= MOE_TILED; kernel++)
            bench_moe(b, GGML_TYPE_Q8_0, 64, few[i], 6, 1408, 2048, kernel);
}
