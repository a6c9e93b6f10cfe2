/* Absorbed MLA attention over the latent cache equals a double-precision softmax attention computed here from
 * the definition, for decode (one token, all heads) and causal batches, F16 and F32 caches, with more splits
 * than rows and with splits that must be combined. kv_store writes the rows it is given at pos0 onwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_test.h"
#include "ops/ops.h"
#include "test_util.h"
#include "util/half.h"

typedef struct attention_case {
    uint32_t heads, latent, rope, rows, batch, splits;
    ops_cache_type cache;
} attention_case;

static double cached_value(float x, ops_cache_type cache)
{
    return cache == OPS_CACHE_F16 ? mlavk_f16_to_f32(mlavk_f32_to_f16(x)) : x;
}

/* want[q][latent] from the definition: softmax over visible rows of scale * q . row, times the latent part. */
static void reference(const attention_case *c, const float *rows, const float *queries, double scale, double *want)
{
    uint32_t row_dim = c->latent + c->rope, pos0 = c->rows - c->batch;
    double *scores = malloc(c->rows * sizeof *scores);
    for (uint32_t q = 0; q < c->batch * c->heads; q++) {
        uint32_t visible = pos0 + q / c->heads + 1;
        double max = -INFINITY, total = 0;
        for (uint32_t t = 0; t < visible; t++) {
            double dot = 0;
            for (uint32_t i = 0; i < row_dim; i++)
                dot += (double)queries[q * row_dim + i] * cached_value(rows[t * row_dim + i], c->cache);
            scores[t] = scale * dot;
            max = fmax(max, scores[t]);
        }
        for (uint32_t t = 0; t < visible; t++)
            total += scores[t] = exp(scores[t] - max);
        for (uint32_t i = 0; i < c->latent; i++) {
            double sum = 0;
            for (uint32_t t = 0; t < visible; t++)
                sum += scores[t] / total * cached_value(rows[t * row_dim + i], c->cache);
            want[q * c->latent + i] = sum;
        }
    }
    free(scores);
}

static void run_case(vk_context *ctx, ops *ops, test_rng *rng, const attention_case *c)
{
    uint32_t row_dim = c->latent + c->rope, n_queries = c->batch * c->heads;
    size_t row_floats = (size_t)c->rows * row_dim, query_floats = (size_t)n_queries * row_dim;
    float *rows = malloc(row_floats * sizeof *rows), *queries = malloc(query_floats * sizeof *queries);
    /* the rope halves live in a q-like buffer: per query [pad (3) | q_pe (rope)], stride rope + 3 */
    uint32_t rope_stride = c->rope + 3, rope_offset = 3;
    float *rope_rows = malloc((size_t)n_queries * rope_stride * sizeof *rope_rows);
    float *latents = malloc((size_t)n_queries * c->latent * sizeof *latents);
    float *out = malloc((size_t)n_queries * c->latent * sizeof *out);
    double *want = malloc((size_t)n_queries * c->latent * sizeof *want);
    test_rng_fill(rng, rows, row_floats, -1, 1);
    test_rng_fill(rng, queries, query_floats, -1.5f, 1.5f);
    test_rng_fill(rng, rope_rows, (size_t)n_queries * rope_stride, -1.5f, 1.5f);
    for (uint32_t q = 0; q < n_queries; q++) {
        memcpy(latents + q * c->latent, queries + q * row_dim, c->latent * sizeof *latents);
        memcpy(rope_rows + rope_offset + q * rope_stride, queries + q * row_dim + c->latent, c->rope * sizeof *rope_rows);
    }
    double scale = 1.0 / sqrt((double)row_dim) * 1.7;

    size_t cache_bytes = row_floats * (c->cache == OPS_CACHE_F16 ? 2 : 4);
    ops_mla_shape shape = {n_queries, c->heads, c->latent, row_dim, c->splits, (float)scale, c->cache};
    vk_buffer b_rows = gpu_test_buffer(ctx, row_floats * 4);
    vk_buffer b_latent = gpu_test_buffer(ctx, (size_t)n_queries * c->latent * 4);
    vk_buffer b_rope = gpu_test_buffer(ctx, (size_t)n_queries * rope_stride * 4);
    vk_buffer b_cache = gpu_test_buffer(ctx, cache_bytes), b_pos = gpu_test_buffer(ctx, 4);
    vk_buffer b_pout = gpu_test_buffer(ctx, ops_mla_partial_out_bytes(&shape));
    vk_buffer b_pstats = gpu_test_buffer(ctx, ops_mla_partial_stats_bytes(&shape));
    vk_buffer b_out = gpu_test_buffer(ctx, (size_t)n_queries * c->latent * 4);
    gpu_test_upload(ctx, &b_rows, rows, row_floats * 4);
    gpu_test_upload(ctx, &b_latent, latents, (size_t)n_queries * c->latent * 4);
    gpu_test_upload(ctx, &b_rope, rope_rows, (size_t)n_queries * rope_stride * 4);
    test_poison_f32(out, (size_t)n_queries * c->latent);
    gpu_test_upload(ctx, &b_out, out, (size_t)n_queries * c->latent * 4);

    /* store all rows from position 0, then attend from pos0 = rows - batch */
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    uint32_t zero = 0, pos0 = c->rows - c->batch;
    gpu_test_upload(ctx, &b_pos, &zero, 4);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_kv_store(ops, rec, c->cache, gpu_whole(&b_rows), gpu_whole(&b_pos), gpu_whole(&b_cache), c->rows,
                       row_dim) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_upload(ctx, &b_pos, &pos0, 4);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    ops_rows rope_view = {gpu_whole(&b_rope), rope_offset, rope_stride};
    CHECK(ops_mla_attention(ops, rec, &shape, gpu_whole(&b_latent), rope_view, gpu_whole(&b_cache),
                            gpu_whole(&b_pos), gpu_whole(&b_pout), gpu_whole(&b_pstats), gpu_whole(&b_out)) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &b_out, out, (size_t)n_queries * c->latent * 4);
    reference(c, rows, queries, scale, want);

    char label[128];
    snprintf(label, sizeof label, "mla %s H%u lat%u rope%u T%u B%u splits%u", c->cache == OPS_CACHE_F16 ? "f16" : "f32",
             c->heads, c->latent, c->rope, c->rows, c->batch, c->splits);
    test_compare(label, out, want, (size_t)n_queries * c->latent, 2e-5, 2e-4);

    vk_recording_destroy(rec);
    vk_buffer *all[] = {&b_rows, &b_latent, &b_rope, &b_cache, &b_pos, &b_pout, &b_pstats, &b_out};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        vk_buffer_destroy(ctx, all[i]);
    free(rows);
    free(queries);
    free(rope_rows);
    free(latents);
    free(out);
    free(want);
}

/* kv_store at a non-zero position leaves the rows before it alone and converts to the cache type. */
static void check_kv_store(vk_context *ctx, ops *ops, test_rng *rng)
{
    const uint32_t row_dim = 42, n = 7, pos0 = 5, total = pos0 + n;
    float rows[7 * 42];
    uint16_t cache[12 * 42];
    test_rng_fill(rng, rows, n * row_dim, -4, 4);
    for (uint32_t i = 0; i < total * row_dim; i++)
        cache[i] = 0x3c00; /* 1.0: what the untouched rows must still hold */
    vk_buffer b_rows = gpu_test_buffer(ctx, sizeof rows), b_cache = gpu_test_buffer(ctx, sizeof cache);
    vk_buffer b_pos = gpu_test_buffer(ctx, 4);
    gpu_test_upload(ctx, &b_rows, rows, sizeof rows);
    gpu_test_upload(ctx, &b_cache, cache, sizeof cache);
    gpu_test_upload(ctx, &b_pos, &pos0, 4);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_kv_store(ops, rec, OPS_CACHE_F16, gpu_whole(&b_rows), gpu_whole(&b_pos), gpu_whole(&b_cache), n,
                       row_dim) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &b_cache, cache, sizeof cache);
    float got[12 * 42];
    double want[12 * 42];
    for (uint32_t i = 0; i < total * row_dim; i++) {
        got[i] = mlavk_f16_to_f32(cache[i]);
        want[i] = i < pos0 * row_dim ? 1.0 : rows[i - pos0 * row_dim];
    }
    test_compare("kv_store f16 at position 5", got, want, total * row_dim, 0, 1.0 / 2048);
    CHECK(ops_kv_store(ops, rec, OPS_CACHE_F16, gpu_whole(&b_rows), gpu_whole(&b_pos), gpu_whole(&b_cache), n, 41) ==
          MLAVK_ERR_UNSUPPORTED);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &b_rows);
    vk_buffer_destroy(ctx, &b_cache);
    vk_buffer_destroy(ctx, &b_pos);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {2024};
    check_kv_store(ctx, ops, &rng);
    const attention_case cases[] = {
        {4, 32, 8, 37, 1, 3, OPS_CACHE_F16},     /* tiny decode, three splits */
        {4, 32, 8, 5, 1, 16, OPS_CACHE_F16},     /* more splits than rows */
        {16, 512, 64, 301, 1, 8, OPS_CACHE_F16}, /* V2-Lite decode over a long cache */
        {16, 512, 64, 77, 1, 1, OPS_CACHE_F32},  /* one split, F32 cache */
        {3, 40, 10, 70, 5, 4, OPS_CACHE_F16},    /* causal batch: 5 tokens x 3 heads */
        {5, 24, 6, 33, 33, 2, OPS_CACHE_F32},    /* whole-prompt prefill, 165 queries */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, ops, &rng, &cases[i]);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "mla_attention");
}
