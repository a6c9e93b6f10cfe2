#version 450
#extension GL_GOOGLE_include_directive : require
/* Absorbed multi-head latent attention over the paged cache, one split of each sequence per workgroup (flash
 * decoding).
 *
 * Every query of a sequence reads the same cache rows [c | k_pe], so a workgroup takes QUERIES queries (heads,
 * and tokens of a batch) at once: each TILE-row tile of a sequence's cache is read once and serves all of that
 * sequence's queries in the workgroup. Queries of several sequences (a multi-sequence decode batch of a model
 * with few heads) are served one run of consecutive same-sequence tokens after another; a query outside the
 * current run scores -inf, which leaves its running softmax unchanged.
 *   scores  S[t][q] = scale * (query[q] . row[t])      (query = [W_UK^T q_nope | rope(q_pe)], the two halves
 *                                                       read from their own buffers)
 *   output  O[q]    = sum_t softmax(S)[t][q] c[t]       (the latent part of the rows, latent_dim wide)
 * Written unnormalised with the running max and sum per query, for mla_reduce to combine the splits. */
#include "common.glsl"

#define KV_CACHE_BINDING 1
#define KV_CACHE_ACCESS readonly
#define KV_CACHE_READ
#define KV_PAGE_TABLE_BINDING 7
#include "kv_cache.glsl"

/* Sizes shared with the host (push_constants.h), and this shader's own K_STEP. */
const uint LOCAL_SIZE = MLA_ATTENTION_LOCAL_SIZE;             /* the workgroup size */
const uint QUERIES = MLA_ATTENTION_QUERIES;                   /* queries per workgroup */
const uint TILE = MLA_ATTENTION_TILE;                         /* cache rows per tile */
const uint K_STEP = 32;                                       /* row columns per shared-memory step */
const uint MAX_DIMS = MLA_ATTENTION_MAX_LATENT / LOCAL_SIZE;  /* latent columns per thread */

layout(std430, binding = 0) readonly buffer QueryLatent { float query_latent[]; };  /* [n_queries][latent_dim] */
layout(std430, binding = 5) readonly buffer QueryRope { float query_rope[]; };      /* see rope_offset/stride */
layout(std430, binding = 2) readonly buffer Positions { uint positions[]; };   /* [token] */
layout(std430, binding = 6) readonly buffer SeqIds { uint seq_ids[]; };        /* [token] */
layout(std430, binding = 3) writeonly buffer PartialOut { float partial_out[]; };  /* [split][query][latent] */
layout(std430, binding = 4) writeonly buffer PartialStats { vec2 partial_stats[]; }; /* [split][query]: max, sum */
layout(push_constant) uniform Push { push_mla_attention p; };

/* The pool row of each row of the tile, double-buffered: the next tile's are looked up before the barrier that
 * ends a tile, so a tile costs no barrier of its own for them. */
shared uint tile_rows[2][TILE];
shared float rows_tile[TILE][K_STEP + 1];
shared float query_tile[QUERIES][K_STEP + 1];
shared float probs[TILE][QUERIES];
shared float rescale[QUERIES];
shared float running_max[QUERIES];
shared float running_sum[QUERIES];

/* Tokens are numbered from the dispatch's first (push first_token). */
uint keys_visible(uint token) { return positions[p.first_token + token] + 1u; }
uint seq_of(uint token) { return seq_ids[p.first_token + token]; }

shared uint query_keys[QUERIES];            /* rows each query of the current run sees (0: not in the run) */

/* S for this thread's two (row, query) pairs of a tile: a small matrix product through shared memory. */
void tile_scores(uint tile_start, uint split_end, uint q_base, uint buf, out float s0, out float s1)
{
    uint lid = gl_LocalInvocationID.x;
    uint t = lid % TILE, q = (lid / TILE) * 2u;
    s0 = 0.0;
    s1 = 0.0;
    for (uint k0 = 0; k0 < p.row_dim; k0 += K_STEP) {
        for (uint i = lid; i < TILE * K_STEP; i += LOCAL_SIZE) {
            uint r = i / K_STEP, c = i % K_STEP, row = tile_start + r, col = k0 + c;
            rows_tile[r][c] = (row < split_end && col < p.row_dim) ? kv_cache_load(tile_rows[buf][r] * p.row_dim + col) : 0.0;
        }
        for (uint i = lid; i < QUERIES * K_STEP; i += LOCAL_SIZE) {
            uint r = i / K_STEP, c = i % K_STEP, query = q_base + r, col = k0 + c;
            float v = 0.0;
            if (query < p.n_queries && col < p.latent_dim)
                v = query_latent[query * p.latent_dim + col];
            else if (query < p.n_queries && col < p.row_dim)
                v = query_rope[p.rope_offset + query * p.rope_stride + col - p.latent_dim];
            query_tile[r][c] = v;
        }
        barrier();
        if (q < QUERIES)
            for (uint c = 0; c < K_STEP; c++) {
                s0 += rows_tile[t][c] * query_tile[q][c];
                s1 += rows_tile[t][c] * query_tile[q + 1u][c];
            }
        barrier();
    }
}

/* Accumulates the split's rows of one sequence (the tokens [run_first, run_last] of the workgroup) into acc. */
void attend_run(uint split, uint q_base, uint run_first, uint run_last, inout float acc[QUERIES][MAX_DIMS])
{
    uint lid = gl_LocalInvocationID.x;
    uint seq = seq_of(run_first), n_keys = 0u;
    for (uint token = run_first; token <= run_last; token++)
        n_keys = max(n_keys, keys_visible(token));
    uint per_split = (n_keys + p.n_splits - 1u) / p.n_splits;
    uint split_start = split * per_split, split_end = min(split_start + per_split, n_keys);

    if (lid < TILE)
        tile_rows[0][lid] = split_start + lid < split_end ? kv_row(seq, split_start + lid, p.pages_per_seq) : 0u;
    if (lid < QUERIES) {
        uint query = q_base + lid, token = query / p.n_heads;
        bool in_run = query < p.n_queries && token >= run_first && token <= run_last;
        query_keys[lid] = in_run ? min(keys_visible(token), split_end) : 0u;
    }
    barrier();
    uint buf = 0u;
    for (uint tile_start = split_start; tile_start < split_end; tile_start += TILE) {
        float s0, s1;
        tile_scores(tile_start, split_end, q_base, buf, s0, s1);
        uint t = lid % TILE, q = (lid / TILE) * 2u, row = tile_start + t;
        if (q < QUERIES) {
            /* causal: a query sees its own sequence's rows up to its own position */
            probs[t][q] = row < query_keys[q] ? s0 * p.scale : -1.0 / 0.0;
            probs[t][q + 1u] = row < query_keys[q + 1u] ? s1 * p.scale : -1.0 / 0.0;
        }
        barrier();
        if (lid < QUERIES) { /* online softmax update for one query */
            float tile_max = -1.0 / 0.0;
            for (uint r = 0; r < TILE; r++)
                tile_max = max(tile_max, probs[r][lid]);
            float new_max = max(running_max[lid], tile_max);
            float factor = new_max == -1.0 / 0.0 ? 1.0 : exp(running_max[lid] - new_max);
            float sum = running_sum[lid] * factor;
            for (uint r = 0; r < TILE; r++) {
                float e = new_max == -1.0 / 0.0 ? 0.0 : exp(probs[r][lid] - new_max);
                probs[r][lid] = e;
                sum += e;
            }
            running_max[lid] = new_max;
            running_sum[lid] = sum;
            rescale[lid] = factor;
        }
        barrier();
        for (uint d = 0; d < MAX_DIMS; d++) {
            uint col = lid + d * LOCAL_SIZE;
            if (col >= p.latent_dim)
                break;
            for (uint qq = 0; qq < QUERIES; qq++)
                acc[qq][d] *= rescale[qq];
            for (uint r = 0; r < TILE && tile_start + r < split_end; r++) {
                float c = kv_cache_load(tile_rows[buf][r] * p.row_dim + col);
                for (uint qq = 0; qq < QUERIES; qq++)
                    acc[qq][d] += probs[r][qq] * c;
            }
        }
        uint next = tile_start + TILE + lid;
        if (lid < TILE) /* the other buffer was last read before the previous tile's closing barrier */
            tile_rows[buf ^ 1u][lid] = next < split_end ? kv_row(seq, next, p.pages_per_seq) : 0u;
        barrier();
        buf ^= 1u;
    }
}

void main()
{
    uint lid = gl_LocalInvocationID.x;
    uint split = gl_WorkGroupID.x, q_base = gl_WorkGroupID.y * QUERIES;
    uint token_first = q_base / p.n_heads, token_last = (min(q_base + QUERIES, p.n_queries) - 1u) / p.n_heads;

    if (lid < QUERIES) {
        running_max[lid] = -1.0 / 0.0;
        running_sum[lid] = 0.0;
    }
    float acc[QUERIES][MAX_DIMS];
    for (uint q = 0; q < QUERIES; q++)
        for (uint d = 0; d < MAX_DIMS; d++)
            acc[q][d] = 0.0;
    barrier();

    /* runs of consecutive tokens of one sequence (every invocation reads the same ids: the loop is uniform) */
    for (uint run_first = token_first; run_first <= token_last;) {
        uint run_last = run_first;
        while (run_last < token_last && seq_of(run_last + 1u) == seq_of(run_first))
            run_last++;
        attend_run(split, q_base, run_first, run_last, acc);
        run_first = run_last + 1u;
    }

    for (uint qq = 0; qq < QUERIES; qq++) {
        uint query = q_base + qq;
        if (query >= p.n_queries)
            break;
        uint base = (split * p.n_queries + query) * p.latent_dim;
        for (uint d = 0; d < MAX_DIMS; d++) {
            uint col = lid + d * LOCAL_SIZE;
            if (col < p.latent_dim)
                partial_out[base + col] = acc[qq][d];
        }
        if (lid == 0u)
            partial_stats[split * p.n_queries + query] = vec2(running_max[qq], running_sum[qq]);
    }
}
