/* The paged latent cache: kv_store, kv_gather and absorbed MLA attention against a double-precision reference
 * computed here from the definition. Each case has several sequences whose pages lie in the pool in a random
 * order, the second sequence sharing the first's leading pages (a common prefix), lengths that end inside a page,
 * and a batch whose tokens are each sequence's last ones (decode: one per sequence; prompt chunks: several). The
 * pool starts as NaN, so a read of any row no sequence owns (a free page, the unused tail of a page) would turn
 * outputs to NaN; outputs are poisoned before each run. One case attends for the batch's decode tokens only (the
 * queries start at a token past the first). F16 and F32 caches, one split and more splits than rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_test.h"
#include "ops/ops.h"
#include "test_util.h"
#include "util/half.h"

enum { P = OPS_KV_PAGE_ROWS, MAX_SEQS = 4 };

typedef struct attention_case {
    uint32_t heads, latent, rope, splits;
    ops_cache_type cache;
    uint32_t n_seqs;
    uint32_t length[MAX_SEQS];      /* positions cached per sequence, the batch's own included */
    uint32_t batch[MAX_SEQS];       /* the batch's tokens of each sequence: its last positions */
    uint32_t shared_pages;          /* leading pages of sequence 1 that are sequence 0's */
    uint32_t first_token;           /* attend for the batch's tokens from this one on */
} attention_case;

/* A case laid out: logical rows per sequence, the page table, the batch's token places. */
typedef struct layout {
    uint32_t row_dim, pages_per_seq, pool_pages, n_tokens;
    float *rows[MAX_SEQS];          /* [length][row_dim] */
    uint32_t *page_table;           /* [n_seqs][pages_per_seq] */
    uint32_t *positions, *seq_ids;  /* [n_tokens] */
} layout;

static uint32_t pages_of(uint32_t length) { return (length + P - 1) / P; }

static double cached_value(float x, ops_cache_type cache)
{
    return cache == OPS_CACHE_F16 ? mlavk_f16_to_f32(mlavk_f32_to_f16(x)) : x;
}

static void make_layout(const attention_case *c, test_rng *rng, layout *l)
{
    memset(l, 0, sizeof *l);
    l->row_dim = c->latent + c->rope;
    uint32_t own_pages = 0;
    for (uint32_t s = 0; s < c->n_seqs; s++) {
        uint32_t pages = pages_of(c->length[s]);
        l->pages_per_seq = pages > l->pages_per_seq ? pages : l->pages_per_seq;
        own_pages += pages - (s == 1 ? c->shared_pages : 0);
        l->n_tokens += c->batch[s];
    }
    l->pool_pages = own_pages + 2; /* two pages nobody owns */
    uint32_t *order = malloc(l->pool_pages * sizeof *order);
    for (uint32_t i = 0; i < l->pool_pages; i++)
        order[i] = i;
    for (uint32_t i = l->pool_pages - 1; i > 0; i--) { /* pages handed out in a random order */
        uint32_t j = test_rng_below(rng, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    l->page_table = calloc((size_t)c->n_seqs * l->pages_per_seq, sizeof *l->page_table);
    l->positions = malloc(l->n_tokens * sizeof *l->positions);
    l->seq_ids = malloc(l->n_tokens * sizeof *l->seq_ids);
    uint32_t next_page = 0, token = 0;
    for (uint32_t s = 0; s < c->n_seqs; s++) {
        size_t n = (size_t)c->length[s] * l->row_dim;
        l->rows[s] = malloc(n * sizeof(float));
        test_rng_fill(rng, l->rows[s], n, -1, 1);
        for (uint32_t g = 0; g < pages_of(c->length[s]); g++) {
            bool shared = s == 1 && g < c->shared_pages;
            l->page_table[s * l->pages_per_seq + g] = shared ? l->page_table[g] : order[next_page++];
        }
        if (s == 1) /* the shared prefix holds the same rows */
            memcpy(l->rows[1], l->rows[0], (size_t)c->shared_pages * P * l->row_dim * sizeof(float));
        for (uint32_t b = 0; b < c->batch[s]; b++, token++) {
            l->positions[token] = c->length[s] - c->batch[s] + b;
            l->seq_ids[token] = s;
        }
    }
    free(order);
}

static void free_layout(const attention_case *c, layout *l)
{
    for (uint32_t s = 0; s < c->n_seqs; s++)
        free(l->rows[s]);
    free(l->page_table);
    free(l->positions);
    free(l->seq_ids);
}

/* want[q][latent]: softmax over the rows 0 .. position of the query's own sequence of scale * q . row, times the
 * latent part of the rows. */
static void reference(const attention_case *c, const layout *l, const float *queries, double scale, double *want)
{
    double *scores = malloc(pages_of(4096) * P * sizeof *scores);
    for (uint32_t q = 0; q < (l->n_tokens - c->first_token) * c->heads; q++) {
        uint32_t token = c->first_token + q / c->heads, visible = l->positions[token] + 1;
        const float *rows = l->rows[l->seq_ids[token]];
        double max = -INFINITY, total = 0;
        for (uint32_t t = 0; t < visible; t++) {
            double dot = 0;
            for (uint32_t i = 0; i < l->row_dim; i++)
                dot += (double)queries[q * l->row_dim + i] * cached_value(rows[t * l->row_dim + i], c->cache);
            scores[t] = scale * dot;
            max = fmax(max, scores[t]);
        }
        for (uint32_t t = 0; t < visible; t++)
            total += scores[t] = exp(scores[t] - max);
        for (uint32_t i = 0; i < c->latent; i++) {
            double sum = 0;
            for (uint32_t t = 0; t < visible; t++)
                sum += scores[t] / total * cached_value(rows[t * l->row_dim + i], c->cache);
            want[q * c->latent + i] = sum;
        }
    }
    free(scores);
}

typedef struct device_cache {
    vk_buffer pool, table;
    ops_kv_pages kv;
} device_cache;

/* The pool filled with NaN, then every sequence's rows stored through kv_store in one batch (the shared prefix
 * once), each row at its own position and sequence. */
static void store_rows(vk_context *ctx, ops *ops, vk_recording *rec, const attention_case *c, const layout *l,
                       device_cache *d)
{
    size_t element = c->cache == OPS_CACHE_F16 ? 2 : 4, pool_rows = (size_t)l->pool_pages * P;
    size_t pool_bytes = pool_rows * l->row_dim * element;
    void *nan_pool = malloc(pool_bytes);
    for (size_t i = 0; i < pool_rows * l->row_dim; i++) {
        if (c->cache == OPS_CACHE_F16)
            ((uint16_t *)nan_pool)[i] = 0x7e00;
        else
            ((float *)nan_pool)[i] = NAN;
    }
    d->pool = gpu_test_buffer(ctx, pool_bytes);
    d->table = gpu_test_buffer(ctx, (size_t)c->n_seqs * l->pages_per_seq * 4);
    gpu_test_upload(ctx, &d->pool, nan_pool, pool_bytes);
    gpu_test_upload(ctx, &d->table, l->page_table, (size_t)c->n_seqs * l->pages_per_seq * 4);
    d->kv = (ops_kv_pages){gpu_whole(&d->pool), gpu_whole(&d->table), l->pages_per_seq, c->cache};
    free(nan_pool);

    uint32_t n = 0, total = 0;
    for (uint32_t s = 0; s < c->n_seqs; s++)
        total += c->length[s];
    float *rows = malloc((size_t)total * l->row_dim * sizeof *rows);
    uint32_t *positions = malloc(total * sizeof *positions), *seqs = malloc(total * sizeof *seqs);
    for (uint32_t s = 0; s < c->n_seqs; s++)
        for (uint32_t t = s == 1 ? c->shared_pages * P : 0; t < c->length[s]; t++, n++) {
            memcpy(rows + (size_t)n * l->row_dim, l->rows[s] + (size_t)t * l->row_dim, l->row_dim * sizeof *rows);
            positions[n] = t;
            seqs[n] = s;
        }
    vk_buffer b_rows = gpu_test_buffer(ctx, (size_t)n * l->row_dim * 4);
    vk_buffer b_pos = gpu_test_buffer(ctx, n * 4), b_seq = gpu_test_buffer(ctx, n * 4);
    gpu_test_upload(ctx, &b_rows, rows, (size_t)n * l->row_dim * 4);
    gpu_test_upload(ctx, &b_pos, positions, n * 4);
    gpu_test_upload(ctx, &b_seq, seqs, n * 4);
    ops_token_places places = {gpu_whole(&b_pos), gpu_whole(&b_seq)};
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_kv_store(ops, rec, &d->kv, gpu_whole(&b_rows), &places, n, l->row_dim) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    vk_buffer_destroy(ctx, &b_rows);
    vk_buffer_destroy(ctx, &b_pos);
    vk_buffer_destroy(ctx, &b_seq);
    free(rows);
    free(positions);
    free(seqs);
}

/* kv_gather of each sequence gives its rows exactly (after rounding to the cache type): kv_store put every row
 * where the page table says, the shared prefix included. */
static void check_gather(vk_context *ctx, ops *ops, vk_recording *rec, const attention_case *c, const layout *l,
                         const device_cache *d)
{
    for (uint32_t s = 0; s < c->n_seqs; s++) {
        size_t n = (size_t)c->length[s] * l->row_dim;
        float *got = malloc((n + 1) * sizeof *got);
        double *want = malloc(n * sizeof *want);
        test_poison_f32(got, n + 1);
        vk_buffer b_out = gpu_test_buffer(ctx, (n + 1) * 4);
        gpu_test_upload(ctx, &b_out, got, (n + 1) * 4);
        CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
        CHECK(ops_kv_gather(ops, rec, &d->kv, s, c->length[s], l->row_dim, gpu_whole(&b_out)) == MLAVK_OK);
        CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
        gpu_test_download(ctx, &b_out, got, (n + 1) * 4);
        for (size_t i = 0; i < n; i++)
            want[i] = cached_value(l->rows[s][i], c->cache);
        CHECK_MSG(isnan(got[n]), "kv_gather wrote past its rows");
        char label[96];
        snprintf(label, sizeof label, "kv_store + kv_gather %s seq %u of %u rows",
                 c->cache == OPS_CACHE_F16 ? "f16" : "f32", s, c->length[s]);
        test_compare(label, got, want, n, 0, 0);
        vk_buffer_destroy(ctx, &b_out);
        free(got);
        free(want);
    }
}

static void run_case(vk_context *ctx, ops *ops, test_rng *rng, const attention_case *c)
{
    layout l;
    make_layout(c, rng, &l);
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    device_cache d;
    store_rows(ctx, ops, rec, c, &l, &d);
    check_gather(ctx, ops, rec, c, &l, &d);

    uint32_t row_dim = l.row_dim, n_queries = (l.n_tokens - c->first_token) * c->heads;
    size_t query_floats = (size_t)n_queries * row_dim, out_floats = (size_t)n_queries * c->latent;
    float *queries = malloc(query_floats * sizeof *queries);
    /* the rope halves live in a q-like buffer: per query [pad (3) | q_pe (rope)], stride rope + 3 */
    uint32_t rope_stride = c->rope + 3, rope_offset = 3;
    float *rope_rows = malloc((size_t)n_queries * rope_stride * sizeof *rope_rows);
    float *latents = malloc(out_floats * sizeof *latents), *out = malloc(out_floats * sizeof *out);
    double *want = malloc(out_floats * sizeof *want);
    test_rng_fill(rng, queries, query_floats, -1.5f, 1.5f);
    test_rng_fill(rng, rope_rows, (size_t)n_queries * rope_stride, -1.5f, 1.5f);
    for (uint32_t q = 0; q < n_queries; q++) {
        memcpy(latents + q * c->latent, queries + q * row_dim, c->latent * sizeof *latents);
        memcpy(rope_rows + rope_offset + q * rope_stride, queries + q * row_dim + c->latent, c->rope * sizeof *rope_rows);
    }
    double scale = 1.0 / sqrt((double)row_dim) * 1.7;
    ops_mla_shape shape = {n_queries, c->heads, c->latent, row_dim, c->splits, (float)scale, c->first_token};
    vk_buffer b_latent = gpu_test_buffer(ctx, out_floats * 4);
    vk_buffer b_rope = gpu_test_buffer(ctx, (size_t)n_queries * rope_stride * 4);
    vk_buffer b_pos = gpu_test_buffer(ctx, l.n_tokens * 4), b_seq = gpu_test_buffer(ctx, l.n_tokens * 4);
    vk_buffer b_pout = gpu_test_buffer(ctx, ops_mla_partial_out_bytes(&shape));
    vk_buffer b_pstats = gpu_test_buffer(ctx, ops_mla_partial_stats_bytes(&shape));
    vk_buffer b_out = gpu_test_buffer(ctx, out_floats * 4);
    gpu_test_upload(ctx, &b_latent, latents, out_floats * 4);
    gpu_test_upload(ctx, &b_rope, rope_rows, (size_t)n_queries * rope_stride * 4);
    gpu_test_upload(ctx, &b_pos, l.positions, l.n_tokens * 4);
    gpu_test_upload(ctx, &b_seq, l.seq_ids, l.n_tokens * 4);
    test_poison_f32(out, out_floats);
    gpu_test_upload(ctx, &b_out, out, out_floats * 4);

    ops_token_places places = {gpu_whole(&b_pos), gpu_whole(&b_seq)};
    ops_rows rope_view = {gpu_whole(&b_rope), rope_offset, rope_stride};
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_mla_attention(ops, rec, &shape, gpu_whole(&b_latent), rope_view, &d.kv, &places, gpu_whole(&b_pout),
                            gpu_whole(&b_pstats), gpu_whole(&b_out)) == MLAVK_OK);
    CHECK(vk_recording_end(rec) == MLAVK_OK && vk_recording_run(rec) == MLAVK_OK);
    gpu_test_download(ctx, &b_out, out, out_floats * 4);
    reference(c, &l, queries, scale, want);

    char label[160];
    int at = snprintf(label, sizeof label, "mla %s H%u lat%u rope%u splits%u shared%u from%u seqs",
                      c->cache == OPS_CACHE_F16 ? "f16" : "f32", c->heads, c->latent, c->rope, c->splits,
                      c->shared_pages, c->first_token);
    for (uint32_t s = 0; s < c->n_seqs && at > 0 && (size_t)at < sizeof label; s++)
        at += snprintf(label + at, sizeof label - (size_t)at, " %u+%u", c->length[s] - c->batch[s], c->batch[s]);
    test_compare(label, out, want, out_floats, 2e-5, 2e-4);

    vk_recording_destroy(rec);
    vk_buffer *all[] = {&d.pool, &d.table, &b_latent, &b_rope, &b_pos, &b_seq, &b_pout, &b_pstats, &b_out};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        vk_buffer_destroy(ctx, all[i]);
    free_layout(c, &l);
    free(queries);
    free(rope_rows);
    free(latents);
    free(out);
    free(want);
}

static void check_refusals(vk_context *ctx, ops *ops)
{
    vk_buffer b = gpu_test_buffer(ctx, 64);
    ops_kv_pages kv = {gpu_whole(&b), gpu_whole(&b), 1, OPS_CACHE_F16};
    ops_token_places places = {gpu_whole(&b), gpu_whole(&b)};
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    CHECK(ops_kv_store(ops, rec, &kv, gpu_whole(&b), &places, 1, 41) == MLAVK_ERR_UNSUPPORTED);
    CHECK(vk_recording_end(rec) == MLAVK_OK);
    vk_recording_destroy(rec);
    vk_buffer_destroy(ctx, &b);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    ops *ops;
    CHECK(ops_create(ctx, NULL, &ops) == MLAVK_OK);
    test_rng rng = {2024};
    check_refusals(ctx, ops);
    const attention_case cases[] = {
        /* one sequence: decode with three splits, more splits than rows, a V2-Lite decode over several pages */
        {4, 32, 8, 3, OPS_CACHE_F16, 1, {37}, {1}, 0, 0},
        {4, 32, 8, 16, OPS_CACHE_F16, 1, {5}, {1}, 0, 0},
        {16, 512, 64, 8, OPS_CACHE_F16, 1, {301}, {1}, 0, 0},
        {16, 512, 64, 1, OPS_CACHE_F32, 1, {77}, {1}, 0, 0},
        /* causal prompt chunks of one sequence: after 65 cached rows, and a whole prompt (165 queries) */
        {3, 40, 10, 4, OPS_CACHE_F16, 1, {70}, {5}, 0, 0},
        {5, 24, 6, 2, OPS_CACHE_F32, 1, {33}, {33}, 0, 0},
        /* decode of several sequences together: few heads, so one workgroup serves several sequences in turn;
         * sequence 1 shares sequence 0's first page */
        {3, 40, 10, 1, OPS_CACHE_F32, 4, {130, 71, 9, 200}, {1, 1, 1, 1}, 1, 0},
        {3, 40, 10, 5, OPS_CACHE_F16, 4, {130, 71, 9, 200}, {1, 1, 1, 1}, 1, 0},
        {16, 512, 64, 3, OPS_CACHE_F16, 3, {150, 129, 64}, {1, 1, 1}, 2, 0},
        /* a mixed batch: a prompt chunk of one sequence, then one decode token of each of two others */
        {4, 32, 8, 1, OPS_CACHE_F32, 3, {90, 150, 7}, {11, 1, 1}, 1, 0},
        /* the decode tokens of such a batch alone (the chunk takes the expanded form): queries from token 11 on */
        {4, 32, 8, 2, OPS_CACHE_F16, 3, {90, 150, 7}, {11, 1, 1}, 1, 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(ctx, ops, &rng, &cases[i]);
    ops_destroy(ops);
    return gpu_test_finish(ctx, "mla_attention");
}
