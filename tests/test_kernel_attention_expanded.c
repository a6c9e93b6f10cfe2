/* Prefill attention over per-head expanded keys and values equals a double-precision causal softmax attention
 * computed here from the definition: odd head widths, value widths above one thread's share, a batch at a
 * non-zero position (a later prompt chunk) and one from position 0, inputs at offsets with padded strides, and
 * the padding of the output rows left untouched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "gpu_test.h"
#include "ops/ops.h"
#include "test_util.h"

typedef struct expanded_case {
    uint32_t heads, nope, rope, value, keys, batch;
} expanded_case;

/* Each input lives at this offset with this extra padding per row, like a view into a bigger buffer. */
enum { PAD = 3 };

typedef struct layout {
    uint32_t query_stride, key_stride, rope_stride, value_stride, out_stride;
} layout;

static layout layout_of(const expanded_case *c)
{
    return (layout){c->heads * (c->nope + c->rope) + PAD, c->heads * c->nope + PAD, c->rope + PAD,
                    c->heads * c->value + PAD, c->heads * c->value + PAD};
}

/* want[b][h][value] for token b at position keys - batch + b. */
static void reference(const expanded_case *c, const layout *l, const float *q, const float *k, const float *kr,
                      const float *v, double scale, double *want)
{
    uint32_t pos0 = c->keys - c->batch, key_dim = c->nope + c->rope;
    double *scores = malloc(c->keys * sizeof *scores);
    for (uint32_t b = 0; b < c->batch; b++)
        for (uint32_t h = 0; h < c->heads; h++) {
            const float *qh = q + PAD + b * l->query_stride + h * key_dim;
            uint32_t visible = pos0 + b + 1;
            double max = -INFINITY, total = 0;
            for (uint32_t t = 0; t < visible; t++) {
                double dot = 0;
                for (uint32_t i = 0; i < c->nope; i++)
                    dot += (double)qh[i] * k[PAD + t * l->key_stride + h * c->nope + i];
                for (uint32_t i = 0; i < c->rope; i++)
                    dot += (double)qh[c->nope + i] * kr[PAD + t * l->rope_stride + i];
                scores[t] = scale * dot;
                max = fmax(max, scores[t]);
            }
            for (uint32_t t = 0; t < visible; t++)
                total += scores[t] = exp(scores[t] - max);
            for (uint32_t j = 0; j < c->value; j++) {
                double sum = 0;
                for (uint32_t t = 0; t < visible; t++)
                    sum += scores[t] / total * v[PAD + t * l->value_stride + h * c->value + j];
                want[((size_t)b * c->heads + h) * c->value + j] = sum;
            }
        }
    free(scores);
}

static float *random_rows(test_rng *rng, size_t n, float range)
{
    float *data = malloc(n * sizeof *data);
    test_rng_fill(rng, data, n, -range, range);
    return data;
}

static void run_case(vk_context *ctx, ops *ops, test_rng *rng, const expanded_case *c)
{
    layout l = layout_of(c);
    size_t nq = PAD + (size_t)c->batch * l.query_stride, nk = PAD + (size_t)c->keys * l.key_stride;
    size_t nr = PAD + (size_t)c->keys * l.rope_stride, nv = PAD + (size_t)c->keys * l.value_stride;
    size_t no = PAD + (size_t)c->batch * l.out_stride, n_want = (size_t)c->batch * c->heads * c->value;
    float *q = random_rows(rng, nq, 1.5f), *k = random_rows(rng, nk, 1.0f), *kr = random_rows(rng, nr, 1.0f);
    float *v = random_rows(rng, nv, 1.0f), *out = malloc(no * sizeof *out), *got = malloc(n_want * sizeof *got);
    double *want = malloc(n_want * sizeof *want);
    double scale = 1.7 / sqrt((double)(c->nope + c->rope));
    test_poison_f32(out, no);

    vk_buffer bq = gpu_test_buffer(ctx, nq * 4), bk = gpu_test_buffer(ctx, nk * 4), br = gpu_test_buffer(ctx, nr * 4);
    vk_buffer bv = gpu_test_buffer(ctx, nv * 4), bo = gpu_test_buffer(ctx, no * 4);
    vk_buffer bp = gpu_test_buffer(ctx, (size_t)c->batch * 4);
    uint32_t *positions = malloc((size_t)c->batch * sizeof *positions);
    for (uint32_t b = 0; b < c->batch; b++) /* each token's own position, read per token */
        positions[b] = c->keys - c->batch + b;
    gpu_test_upload(ctx, &bq, q, nq * 4);
    gpu_test_upload(ctx, &bk, k, nk * 4);
    gpu_test_upload(ctx, &br, kr, nr * 4);
    gpu_test_upload(ctx, &bv, v, nv * 4);
    gpu_test_upload(ctx, &bo, out, no * 4);
    gpu_test_upload(ctx, &bp, positions, (size_t)c->batch * 4);

    ops_expanded_shape shape = {c->batch, c->heads, c->nope, c->rope, c->value, (float)scale};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_attention_expanded(ops, rec, &shape, (ops_rows){gpu_whole(&bq), PAD, l.query_stride},
                                 (ops_rows){gpu_whole(&bk), PAD, l.key_stride},
                                 (ops_rows){gpu_whole(&br), PAD, l.rope_stride},
                                 (ops_rows){gpu_whole(&bv), PAD, l.value_stride}, gpu_whole(&bp),
                                 (ops_rows){gpu_whole(&bo), PAD, l.out_stride}) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &bo, out, no * 4);
    reference(c, &l, q, k, kr, v, scale, want);

    uint32_t row = c->heads * c->value, untouched = 0;
    for (uint32_t b = 0; b < c->batch; b++)
        for (uint32_t j = 0; j < row; j++)
            got[(size_t)b * row + j] = out[PAD + (size_t)b * l.out_stride + j];
    for (size_t i = 0; i < no; i++) /* the offset and the padding of each row stay poisoned (NaN) */
        untouched += (i < PAD || (i - PAD) % l.out_stride >= row) && isnan(out[i]);
    CHECK_MSG(untouched == PAD + c->batch * PAD, "the kernel wrote outside its output rows");

    char label[128];
    snprintf(label, sizeof label, "expanded H%u nope%u rope%u value%u keys%u batch%u", c->heads, c->nope, c->rope,
             c->value, c->keys, c->batch);
    test_compare(label, got, want, n_want, 2e-5, 2e-4);

    vk_recording_destroy(rec);
    vk_buffer *all[] = {&bq, &bk, &br, &bv, &bo, &bp};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        vk_buffer_destroy(ctx, all[i]);
    free(positions);
    free(q);
    free(k);
    free(kr);
    free(v);
    free(out);
    free(got);
    free(want);
}

static void check_refusals(vk_context *ctx, ops *ops)
{
    vk_buffer b = gpu_test_buffer(ctx, 64);
    ops_rows r = {gpu_whole(&b), 0, 0};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    ops_expanded_shape too_wide = {4, 2, 16, 8, OPS_EXPANDED_MAX_VALUE + 1, 1.0f};
    CHECK(ops_attention_expanded(ops, rec, &too_wide, r, r, r, r, gpu_whole(&b), r) == MLAVK_ERR_UNSUPPORTED);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &b);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {77};
    check_refusals(ctx, ops);
    const expanded_case cases[] = {
        {3, 24, 8, 20, 37, 5},       /* a later chunk: 5 tokens at position 32 */
        {2, 40, 6, 130, 70, 70},     /* a whole prompt from position 0, values wider than 128 */
        {16, 128, 64, 128, 301, 33}, /* V2-Lite widths over a long cache */
        {1, 13, 5, 7, 17, 17},       /* odd widths, one head, a partial token group */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, ops, &rng, &cases[i]);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "attention_expanded");
}
