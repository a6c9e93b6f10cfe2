/* Kernel library: the only code that names shaders and push-constant structs. Each op records one or more
 * dispatches into a vk_recording; pipelines are created on first use. */
#ifndef MLAVK_OPS_H
#define MLAVK_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "vk/vk_commands.h"

typedef enum ops_reduction {
    OPS_REDUCTION_AUTO,           /* subgroup arithmetic where the device has it, shared memory otherwise */
    OPS_REDUCTION_SUBGROUP,
    OPS_REDUCTION_SHARED_MEMORY,
} ops_reduction;

typedef struct ops_options {
    ops_reduction reduction;      /* MLAVK_REDUCTION=subgroup|shared overrides AUTO */
} ops_options;

typedef struct ops ops;

mlavk_status ops_create(vk_context *ctx, const ops_options *options, ops **out);
void ops_destroy(ops *ops);
/* The reduction mode in effect (never AUTO). */
ops_reduction ops_reduction_mode(const ops *ops);

/* out[i] = a[i] + b[i], n floats */
mlavk_status ops_add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n);

/* Rows of F32 activations: row i starts at element offset + i * stride of buffer (stride 0: rows are packed). */
typedef struct ops_rows {
    vk_binding buffer;
    uint32_t offset;
    uint32_t stride;
} ops_rows;

/* ---- Latent KV cache and absorbed MLA attention (ops_attention.c) ---- */

typedef enum ops_cache_type { OPS_CACHE_F16, OPS_CACHE_F32 } ops_cache_type;

/* Queries processed together by one mla_attention workgroup; the latent width it supports. */
#define OPS_MLA_QUERIES_PER_GROUP 16
#define OPS_MLA_MAX_LATENT 512

typedef struct ops_mla_shape {
    uint32_t n_queries;        /* batch tokens x heads; query q is token q / n_heads */
    uint32_t n_heads;
    uint32_t latent_dim;       /* r_kv */
    uint32_t row_dim;          /* r_kv + d_r */
    uint32_t n_splits;         /* sequence splits (flash decoding); partial buffers are sized by it */
    float scale;
    ops_cache_type cache_type;
} ops_mla_shape;

/* Bytes of the scratch buffers mla_attention needs for a shape. */
uint64_t ops_mla_partial_out_bytes(const ops_mla_shape *shape);
uint64_t ops_mla_partial_stats_bytes(const ops_mla_shape *shape);

/* cache rows pos0 + b <- rows[b] for b < n_rows; rows is [n_rows][row_dim] F32, pos holds pos0 (uint). */
mlavk_status ops_kv_store(ops *ops, vk_recording *rec, ops_cache_type type, vk_binding rows, vk_binding pos,
                          vk_binding cache, uint32_t n_rows, uint32_t row_dim);

/* out[q][latent_dim] = softmax_t(scale * query[q] . cache[t]) . cache[t][0:latent_dim] over t <= pos0 + q/H,
 * where query[q] = [query_latent[q] (latent_dim F32: W_UK^T q_nope) | the row_dim - latent_dim F32 of query_rope
 * row q (q_pe after RoPE)]. */
mlavk_status ops_mla_attention(ops *ops, vk_recording *rec, const ops_mla_shape *shape, vk_binding query_latent,
                               ops_rows query_rope, vk_binding cache, vk_binding pos, vk_binding partial_out,
                               vk_binding partial_stats, vk_binding out);

/* ---- Mixture of experts (ops_moe.c) ---- */

#define OPS_MOE_MAX_EXPERTS 256
#define OPS_MOE_MAX_GROUPS 64

typedef struct ops_moe_routing {
    uint32_t n_experts, n_used;        /* E, k */
    uint32_t n_groups, n_groups_used;  /* G, G_k (1, 1: no group limit) */
    bool sigmoid;                      /* sigmoid scores (V3) or softmax */
    bool group_max;                    /* V2 rule: a group scores its max; else the sum of its top 2 */
    bool normalize;                    /* weights divided by their sum */
    float routed_scale;
} ops_moe_routing;

/* For each of n_tokens rows of router logits [n_tokens][E]: ids [n_tokens][k] (uint) and weights
 * [n_tokens][k] (F32). bias ([E] F32) is the V3 score correction, used for selection only; pass
 * bias.buffer == NULL when the model has none. */
mlavk_status ops_moe_route(ops *ops, vk_recording *rec, const ops_moe_routing *routing, vk_binding logits,
                           vk_binding bias, vk_binding ids, vk_binding weights, uint32_t n_tokens);

/* x[b] += sum_j weights[b][j] * expert_out[b][j] + shared_out[b], rows of dim floats. */
mlavk_status ops_moe_combine(ops *ops, vk_recording *rec, vk_binding x, vk_binding expert_out, vk_binding weights,
                             vk_binding shared_out, uint32_t n_tokens, uint32_t n_used, uint32_t dim);

#endif
