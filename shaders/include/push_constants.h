/* Push-constant structs, one per op, shared verbatim by GLSL and C (runtime/ops/ops_push.h includes this file
 * with `uint` mapped to uint32_t, and checks each size statically). Only 4-byte scalars, so std430 and C agree.
 * Beside them, the shaders' fixed limits and tile sizes that the host must respect or dispatch by: plain integer
 * #defines read by both sides, with the relations between them checked in runtime/ops/ops_push.h. */
#ifndef MLAVK_PUSH_CONSTANTS_H
#define MLAVK_PUSH_CONSTANTS_H

/* out[i] = a[i] + b[i % period]: period n for two vectors, the row width to add one bias to every row */
struct push_add {
    uint n;
    uint period;
};

/* y[b][offset + r] (+)= sum_c W[r][c] x[b][c]: matvec (batch 1), batched matmul, and the MoE form where batch
 * item s is a slot whose weight is its expert of a stacked tensor (named by an id, or grouped by expert by
 * moe_group.comp); a stack split into pieces takes one dispatch per piece, each serving the slots whose expert it
 * holds. Offsets and strides are in floats. */
struct push_matmul {
    uint cols;
    uint rows;
    uint batch;
    uint row_bytes;          /* bytes of one weight row */
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
    uint accumulate;         /* 1: add to y instead of overwriting it */
    uint expert_begin;       /* MoE: the weight binding holds experts [expert_begin, expert_end) */
    uint expert_end;
    uint expert_bytes;       /* MoE: rows * row_bytes */
    uint slots_per_x;        /* MoE: slot s reads x row s / slots_per_x (k: shared input per token, 1: own input) */
    uint ids_offset;         /* MoE, not grouped: slot s's expert is ids[ids_offset + s] */
};

/* The specialization constant id of quant.glsl's ALIGNED flag (ids 0-2 are the workgroup size, 3-4 the weight
 * kernels' rows and batch tile): weight kernels come as two pipelines, aligned or not. */
#define WEIGHT_SPEC_ALIGNED 5

/* MoE slots grouped by expert: offsets[e] .. offsets[e + 1] index order[], the slots s < slots (ascending) whose
 * id ids[ids_offset + s] is e, for e < experts <= MOE_GROUP_MAX_EXPERTS. */
#define MOE_GROUP_MAX_EXPERTS 256
struct push_moe_group {
    uint slots;
    uint experts;
    uint ids_offset;
};

/* y[r][i] = x[r][i] / sqrt(mean_i(x[r][i]^2) + eps) * w[i] */
struct push_rmsnorm {
    uint n;
    float eps;
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
};

/* In place: for token t, head h, pair i < dims/2 at x[offset + t*token_stride + h*head_stride + 2i (+1)],
 * rotate by pos[t] * freq[i], times magnitude. */
struct push_rope {
    uint dims;
    uint heads;
    uint tokens;
    uint offset;
    uint head_stride;
    uint token_stride;
    float magnitude;
};

/* In place, the attention temperature of Mistral Large 3 files: for token t < tokens and i < n,
 * x[offset + t*stride + i] *= log(floor(pos[t] / period) + 1) * scale + 1. */
struct push_attn_temperature {
    uint n;
    uint tokens;
    uint offset;
    uint stride;
    uint period;             /* the temperature length n */
    float scale;
};

/* y[r][c] = softmax_c(scale * x[r][c]) over the columns row r sees (all, or c <= causal_p0 + r when causal);
 * the others are 0. */
struct push_softmax {
    uint n;
    uint rows;
    float scale;
    uint causal;
    uint causal_p0;
    uint x_offset;
    uint x_stride;
    uint y_offset;
    uint y_stride;
};

/* silu_mul: out = silu(a) * b; scale: out = alpha * a; sigmoid: out = 1 / (1 + exp(-a)). */
struct push_elementwise {
    uint n;
    float alpha;
};

/* out[out_offset + t * out_stride + 0..cols) = row ids[t] - row_begin of a weight table holding rows
 * [row_begin, row_end); tokens whose id falls outside are left untouched. */
struct push_get_rows {
    uint cols;
    uint tokens;
    uint row_bytes;
    uint row_begin;
    uint row_end;
    uint out_offset;
    uint out_stride;
};

/* Per row r of n: out[r] = index of the largest x[r][c] (lowest index on ties). */
struct push_argmax {
    uint n;
    uint x_offset;
    uint x_stride;
};

/* Per row r of n scores: the k largest, descending (lower index first on ties), as ids and values.
 * n <= TOPK_MAX_N: a workgroup holds its row in shared memory. */
#define TOPK_MAX_N 1024
struct push_topk {
    uint n;
    uint k;
    uint x_offset;
    uint x_stride;
};

/* The latent cache is a pool of pages of KV_PAGE_ROWS rows each. Position t of sequence slot s lives in pool row
 * page_table[s * pages_per_seq + t / KV_PAGE_ROWS] * KV_PAGE_ROWS + t % KV_PAGE_ROWS: a sequence holds only the
 * pages it has used, in any order, and sequences with a common prefix may share its pages. Each token of a batch
 * carries its own position and sequence slot (device buffers positions[b] and seq_ids[b]). */
#define KV_PAGE_ROWS 64

/* Absorbed MLA attention over the paged latent cache (flash-decoding split).
 * Query q (0 <= q < n_queries) belongs to token b = first_token + q / n_heads of the batch, at position
 * positions[b] of sequence seq_ids[b], and sees that sequence's cache rows 0 .. positions[b]. A workgroup whose queries span several
 * sequences walks each one's rows in turn.
 * A workgroup of MLA_ATTENTION_LOCAL_SIZE invocations takes MLA_ATTENTION_QUERIES queries and walks its split in
 * tiles of MLA_ATTENTION_TILE cache rows, each invocation scoring two (row, query) pairs of a tile; each invocation
 * keeps MLA_ATTENTION_MAX_LATENT / MLA_ATTENTION_LOCAL_SIZE latent columns per query, so latent_dim <=
 * MLA_ATTENTION_MAX_LATENT. */
#define MLA_ATTENTION_LOCAL_SIZE 256
#define MLA_ATTENTION_QUERIES 16
#define MLA_ATTENTION_TILE 32
#define MLA_ATTENTION_MAX_LATENT 512
struct push_mla_attention {
    uint n_queries;      /* batch tokens x heads */
    uint n_heads;
    uint latent_dim;     /* r_kv: the value width */
    uint row_dim;        /* r_kv + d_r: the key width and the cache row length */
    uint n_splits;       /* workgroups along the sequence */
    float scale;
    uint rope_offset;    /* query q's rope part starts at rope_offset + q * rope_stride of its buffer */
    uint rope_stride;
    uint pages_per_seq;  /* the page table's row length */
    uint first_token;    /* query q is token first_token + q / n_heads of positions[] and seq_ids[] */
};

/* Combines the splits of mla_attention into out[n_queries][latent_dim]. */
struct push_mla_reduce {
    uint n_queries;
    uint latent_dim;
    uint n_splits;
};

/* Causal attention with per-head keys and values expanded from the latent cache (the prefill alternative to the
 * absorbed form): the keys and values are one sequence's, in position order. Token b of the batch (at position
 * positions[b], read from a device buffer) and head h:
 *   query  [q_nope | q_pe]  at query[query_offset + b * query_stride + h * (nope_dim + rope_dim)]
 *   key t  [k_nope | k_pe]  at keys[key_offset + t * key_stride + h * nope_dim] and, shared by all heads,
 *                           key_rope[rope_offset + t * rope_stride]
 *   value t                 at values[value_offset + t * value_stride + h * value_dim]
 *   out                     at out[out_offset + b * out_stride + h * value_dim] = softmax_t(scale q.k_t) . v_t,
 *                           t <= positions[b].
 * A workgroup of ATTENTION_EXPANDED_LOCAL_SIZE invocations takes ATTENTION_EXPANDED_TOKENS tokens of one head and
 * walks the keys in tiles of ATTENTION_EXPANDED_TILE, each invocation scoring two (key, token) pairs of a tile; for
 * the values, groups of ATTENTION_EXPANDED_VALUE_THREADS invocations share the tokens out and each invocation keeps
 * ATTENTION_EXPANDED_MAX_VALUE / ATTENTION_EXPANDED_VALUE_THREADS value columns per token, so value_dim <=
 * ATTENTION_EXPANDED_MAX_VALUE. */
#define ATTENTION_EXPANDED_LOCAL_SIZE 256
#define ATTENTION_EXPANDED_TOKENS 16
#define ATTENTION_EXPANDED_TILE 32
#define ATTENTION_EXPANDED_VALUE_THREADS 128
#define ATTENTION_EXPANDED_MAX_VALUE 256
struct push_attention_expanded {
    uint n_tokens;
    uint n_heads;
    uint nope_dim;
    uint rope_dim;
    uint value_dim;
    float scale;
    uint query_offset;
    uint query_stride;
    uint key_offset;
    uint key_stride;
    uint rope_offset;
    uint rope_stride;
    uint value_offset;
    uint value_stride;
    uint out_offset;
    uint out_stride;
};

/* Writes rows src[b][row_dim] to the cache row of position positions[b] of sequence seq_ids[b]. */
struct push_kv_store {
    uint n_rows;
    uint row_dim;
    uint pages_per_seq;
};

/* Copies the cache rows of positions 0 .. n_rows - 1 of sequence `seq`, read through the page table, to F32 rows
 * out[t][row_dim]: the input of the expanded form's key and value products. */
struct push_kv_gather {
    uint n_rows;
    uint row_dim;
    uint seq;
    uint pages_per_seq;
};

/* MoE routing for each token of a batch: scores, group-limited top-k, expert weights. One workgroup per token with
 * one invocation per expert slot: n_experts <= MOE_ROUTE_MAX_EXPERTS (the workgroup size), n_groups <=
 * MOE_ROUTE_MAX_GROUPS. */
#define MOE_ROUTE_MAX_EXPERTS 256
#define MOE_ROUTE_MAX_GROUPS 64
#define MOE_ROUTE_SIGMOID 1u      /* sigmoid scores (V3); softmax otherwise */
#define MOE_ROUTE_BIAS 2u         /* add the score-correction bias for selection (V3) */
#define MOE_ROUTE_NORMALIZE 4u    /* divide the chosen weights by their sum */
#define MOE_ROUTE_GROUP_MAX 8u    /* group score = max of the group's scores (V2) instead of the sum of the top 2 */
struct push_moe_route {
    uint n_tokens;
    uint n_experts;
    uint n_used;                  /* k */
    uint n_groups;
    uint n_groups_used;
    uint flags;
    float routed_scale;
};

/* x[b][dim] += sum_j weights[b][j] * expert_out[b][j][dim] + shared_out[b][dim] */
struct push_moe_combine {
    uint n_tokens;
    uint n_used;
    uint dim;
};

#endif
