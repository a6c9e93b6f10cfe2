#include "ops/ops_internal.h"

uint64_t ops_mla_partial_out_bytes(const ops_mla_shape *shape)
{
    return (uint64_t)shape->n_splits * shape->n_queries * shape->latent_dim * sizeof(float);
}

uint64_t ops_mla_partial_stats_bytes(const ops_mla_shape *shape)
{
    return (uint64_t)shape->n_splits * shape->n_queries * 2 * sizeof(float);
}

mlavk_status ops_kv_store(ops *ops, vk_recording *rec, ops_cache_type type, vk_binding rows, vk_binding pos,
                          vk_binding cache, uint32_t n_rows, uint32_t row_dim)
{
    if (type == OPS_CACHE_F16 && row_dim % 2 != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "kv_store: F16 cache rows must have an even width, not %u", row_dim);
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, type == OPS_CACHE_F16 ? OP_KV_STORE : OP_KV_STORE_F32, &p));
    struct push_kv_store push = {.n_rows = n_rows, .row_dim = row_dim};
    uint32_t columns = type == OPS_CACHE_F16 ? row_dim / 2 : row_dim;
    vk_binding bindings[3] = {rows, pos, cache};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(columns, p->local_size[0]), n_rows, 1);
    return MLAVK_OK;
}

mlavk_status ops_mla_attention(ops *ops, vk_recording *rec, const ops_mla_shape *shape, vk_binding query_latent,
                               ops_rows query_rope, vk_binding cache, vk_binding pos, vk_binding partial_out,
                               vk_binding partial_stats, vk_binding out)
{
    if (shape->latent_dim > OPS_MLA_MAX_LATENT || shape->latent_dim > shape->row_dim || shape->n_splits == 0 ||
        shape->n_heads == 0 || shape->n_queries % shape->n_heads != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "mla_attention: unsupported shape (latent %u, row %u, heads %u)",
                          shape->latent_dim, shape->row_dim, shape->n_heads);
    const vk_pipeline *attention, *reduce;
    MLAVK_TRY(ops_pipeline(ops, shape->cache_type == OPS_CACHE_F16 ? OP_MLA_ATTENTION : OP_MLA_ATTENTION_F32,
                           &attention));
    MLAVK_TRY(ops_pipeline(ops, OP_MLA_REDUCE, &reduce));
    struct push_mla_attention push = {.n_queries = shape->n_queries,
                                      .n_heads = shape->n_heads,
                                      .latent_dim = shape->latent_dim,
                                      .row_dim = shape->row_dim,
                                      .n_splits = shape->n_splits,
                                      .scale = shape->scale,
                                      .rope_offset = query_rope.offset,
                                      .rope_stride = query_rope.stride};
    vk_binding bindings[6] = {query_latent, cache, pos, partial_out, partial_stats, query_rope.buffer};
    vk_dispatch(rec, attention, bindings, 6, &push, sizeof push, shape->n_splits,
                ops_div_up(shape->n_queries, OPS_MLA_QUERIES_PER_GROUP), 1);
    struct push_mla_reduce reduce_push = {.n_queries = shape->n_queries,
                                          .latent_dim = shape->latent_dim,
                                          .n_splits = shape->n_splits};
    vk_binding reduce_bindings[3] = {partial_out, partial_stats, out};
    vk_dispatch(rec, reduce, reduce_bindings, 3, &reduce_push, sizeof reduce_push,
                ops_div_up(shape->latent_dim, reduce->local_size[0]), shape->n_queries, 1);
    return MLAVK_OK;
}
