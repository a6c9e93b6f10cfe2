#include "ops/ops_internal.h"

/* The limits ops.h states are the shaders' (push_constants.h). */
_Static_assert(OPS_MLA_MAX_LATENT == MLA_ATTENTION_MAX_LATENT, "OPS_MLA_MAX_LATENT is mla_attention.comp's limit");
_Static_assert(OPS_KV_PAGE_ROWS == KV_PAGE_ROWS, "OPS_KV_PAGE_ROWS is the shaders' page size");
_Static_assert(OPS_EXPANDED_MAX_VALUE == ATTENTION_EXPANDED_MAX_VALUE,
               "OPS_EXPANDED_MAX_VALUE is attention_expanded.comp's limit");

uint64_t ops_mla_partial_out_bytes(const ops_mla_shape *shape)
{
    return (uint64_t)shape->n_splits * shape->n_queries * shape->latent_dim * sizeof(float);
}

uint64_t ops_mla_partial_stats_bytes(const ops_mla_shape *shape)
{
    return (uint64_t)shape->n_splits * shape->n_queries * 2 * sizeof(float);
}

mlavk_status ops_kv_store(ops *ops, vk_recording *rec, const ops_kv_pages *kv, vk_binding rows,
                          const ops_token_places *places, uint32_t n_rows, uint32_t row_dim)
{
    if (kv->type == OPS_CACHE_F16 && row_dim % 2 != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "kv_store: F16 cache rows must have an even width, not %u", row_dim);
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, kv->type == OPS_CACHE_F16 ? OP_KV_STORE : OP_KV_STORE_F32, &p));
    struct push_kv_store push = {.n_rows = n_rows, .row_dim = row_dim, .pages_per_seq = kv->pages_per_seq};
    uint32_t columns = kv->type == OPS_CACHE_F16 ? row_dim / 2 : row_dim;
    vk_binding bindings[5] = {rows, places->positions, places->seq_ids, kv->page_table, kv->pool};
    vk_dispatch(rec, p, bindings, 5, &push, sizeof push, ops_div_up(columns, p->local_size[0]), n_rows, 1);
    return MLAVK_OK;
}

mlavk_status ops_kv_gather(ops *ops, vk_recording *rec, const ops_kv_pages *kv, uint32_t seq, uint32_t n_rows,
                           uint32_t row_dim, vk_binding out)
{
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, kv->type == OPS_CACHE_F16 ? OP_KV_GATHER : OP_KV_GATHER_F32, &p));
    struct push_kv_gather push = {
        .n_rows = n_rows, .row_dim = row_dim, .seq = seq, .pages_per_seq = kv->pages_per_seq};
    vk_binding bindings[3] = {kv->page_table, kv->pool, out};
    ops_dispatch_groups(rec, p, bindings, 3, &push, sizeof push, n_rows, 1);
    return MLAVK_OK;
}

mlavk_status ops_mla_attention(ops *ops, vk_recording *rec, const ops_mla_shape *shape, vk_binding query_latent,
                               ops_rows query_rope, const ops_kv_pages *kv, const ops_token_places *places,
                               vk_binding partial_out, vk_binding partial_stats, vk_binding out)
{
    if (shape->latent_dim > OPS_MLA_MAX_LATENT || shape->latent_dim > shape->row_dim || shape->n_splits == 0 ||
        shape->n_heads == 0 || shape->n_queries % shape->n_heads != 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "mla_attention: unsupported shape (latent %u, row %u, heads %u)",
                          shape->latent_dim, shape->row_dim, shape->n_heads);
    const vk_pipeline *attention, *reduce;
    MLAVK_TRY(ops_pipeline(ops, kv->type == OPS_CACHE_F16 ? OP_MLA_ATTENTION : OP_MLA_ATTENTION_F32, &attention));
    MLAVK_TRY(ops_pipeline(ops, OP_MLA_REDUCE, &reduce));
    struct push_mla_attention push = {.n_queries = shape->n_queries,
                                      .n_heads = shape->n_heads,
                                      .latent_dim = shape->latent_dim,
                                      .row_dim = shape->row_dim,
                                      .n_splits = shape->n_splits,
                                      .scale = shape->scale,
                                      .rope_offset = query_rope.offset,
                                      .rope_stride = query_rope.stride,
                                      .pages_per_seq = kv->pages_per_seq,
                                      .first_token = shape->first_token};
    vk_binding bindings[8] = {query_latent,  kv->pool,          places->positions, partial_out,
                              partial_stats, query_rope.buffer, places->seq_ids,   kv->page_table};
    vk_dispatch(rec, attention, bindings, 8, &push, sizeof push, shape->n_splits,
                ops_div_up(shape->n_queries, MLA_ATTENTION_QUERIES), 1);
    struct push_mla_reduce reduce_push = {.n_queries = shape->n_queries,
                                          .latent_dim = shape->latent_dim,
                                          .n_splits = shape->n_splits};
    vk_binding reduce_bindings[3] = {partial_out, partial_stats, out};
    vk_dispatch(rec, reduce, reduce_bindings, 3, &reduce_push, sizeof reduce_push,
                ops_div_up(shape->latent_dim, reduce->local_size[0]), shape->n_queries, 1);
    return MLAVK_OK;
}

mlavk_status ops_attention_expanded(ops *ops, vk_recording *rec, const ops_expanded_shape *shape, ops_rows query,
                                    ops_rows keys, ops_rows key_rope, ops_rows values, vk_binding positions,
                                    ops_rows out)
{
    if (shape->value_dim == 0 || shape->value_dim > OPS_EXPANDED_MAX_VALUE || shape->n_heads == 0 ||
        shape->n_tokens == 0 || shape->nope_dim + shape->rope_dim == 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED,
                          "attention_expanded: unsupported shape (value %u, heads %u, tokens %u)", shape->value_dim,
                          shape->n_heads, shape->n_tokens);
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ATTENTION_EXPANDED, &p));
    uint32_t key_dim = shape->nope_dim + shape->rope_dim;
    struct push_attention_expanded push = {
        .n_tokens = shape->n_tokens,
        .n_heads = shape->n_heads,
        .nope_dim = shape->nope_dim,
        .rope_dim = shape->rope_dim,
        .value_dim = shape->value_dim,
        .scale = shape->scale,
        .query_offset = query.offset,
        .query_stride = ops_rows_stride(query, shape->n_heads * key_dim),
        .key_offset = keys.offset,
        .key_stride = ops_rows_stride(keys, shape->n_heads * shape->nope_dim),
        .rope_offset = key_rope.offset,
        .rope_stride = ops_rows_stride(key_rope, shape->rope_dim),
        .value_offset = values.offset,
        .value_stride = ops_rows_stride(values, shape->n_heads * shape->value_dim),
        .out_offset = out.offset,
        .out_stride = ops_rows_stride(out, shape->n_heads * shape->value_dim),
    };
    vk_binding bindings[6] = {query.buffer, keys.buffer, key_rope.buffer, values.buffer, positions, out.buffer};
    vk_dispatch(rec, p, bindings, 6, &push, sizeof push, ops_div_up(shape->n_tokens, ATTENTION_EXPANDED_TOKENS),
                shape->n_heads, 1);
    return MLAVK_OK;
}
