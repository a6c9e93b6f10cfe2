/* Push-constant structs, one per op, shared verbatim by GLSL and C (runtime/ops/ops_push.h includes this file
 * with `uint` mapped to uint32_t, and checks each size statically). Only 4-byte scalars, so std430 and C agree. */
#ifndef MLAVK_PUSH_CONSTANTS_H
#define MLAVK_PUSH_CONSTANTS_H

/* out[i] = a[i] + b[i] */
struct push_add {
    uint n;
};

/* Absorbed MLA attention over the latent cache (flash-decoding split).
 * Query q (0 <= q < n_queries) belongs to token q / n_heads of the batch, at position pos0 + q / n_heads (pos0
 * read from a device buffer), and sees cache rows 0 .. that position. */
struct push_mla_attention {
    uint n_queries;      /* batch tokens x heads */
    uint n_heads;
    uint latent_dim;     /* r_kv: the value width */
    uint row_dim;        /* r_kv + d_r: the key width and the cache row length */
    uint n_splits;       /* workgroups along the sequence */
    float scale;
    uint rope_offset;    /* query q's rope part starts at rope_offset + q * rope_stride of its buffer */
    uint rope_stride;
};

/* Combines the splits of mla_attention into out[n_queries][latent_dim]. */
struct push_mla_reduce {
    uint n_queries;
    uint latent_dim;
    uint n_splits;
};

/* Writes rows src[b][row_dim] to cache rows pos0 + b (pos0 read from a device buffer). */
struct push_kv_store {
    uint n_rows;
    uint row_dim;
};

/* MoE routing for each token of a batch: scores, group-limited top-k, expert weights. */
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
