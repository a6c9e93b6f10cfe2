/* Kernels that pick: embedding rows by token id, the argmax of a row, the top k of a row. */
#include "ops/ops_internal.h"

_Static_assert(OPS_TOPK_MAX_N == TOPK_MAX_N, "OPS_TOPK_MAX_N is topk.comp's limit (push_constants.h)");

mlavk_status ops_get_rows(ops *ops, vk_recording *rec, const ops_weight *table, uint32_t row_begin, vk_binding ids,
                          uint32_t tokens, ops_rows out)
{
    int t = ops_weight_type_index(table->type);
    uint64_t row_bytes = ops_row_bytes(table->type, table->cols);
    if (t < 0 || row_bytes == 0)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "get_rows: no kernel for %u columns of type %u", table->cols,
                          (unsigned)table->type);
    if (row_bytes * table->rows > UINT32_MAX || (uint64_t)row_begin + table->rows > UINT32_MAX)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "get_rows: a table piece of %u rows is too large", table->rows);
    if (tokens == 0)
        return MLAVK_OK;
    op_id id = (op_id)(OP_GET_ROWS_F32 + t);
    const vk_pipeline *p;
    MLAVK_TRY(ops_weight_pipeline(ops, id, ggml_type_get(table->type)->block_elems > 1 || row_bytes % 16 == 0, &p));
    struct push_get_rows push = {.cols = table->cols,
                                 .tokens = tokens,
                                 .row_bytes = (uint32_t)row_bytes,
                                 .row_begin = row_begin,
                                 .row_end = row_begin + table->rows,
                                 .out_offset = out.offset,
                                 .out_stride = ops_rows_stride(out, table->cols)};
    vk_binding bindings[3] = {table->data, ids, out.buffer};
    uint32_t units = ops_div_up(table->cols, ops_weight_unit_elems(table->type));
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(units, p->local_size[0]), tokens, 1);
    return MLAVK_OK;
}

mlavk_status ops_argmax(ops *ops, vk_recording *rec, ops_rows x, uint32_t n, uint32_t rows, vk_binding out)
{
    if (n == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "argmax: empty rows");
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ARGMAX, &p));
    struct push_argmax push = {.n = n, .x_offset = x.offset, .x_stride = ops_rows_stride(x, n)};
    vk_binding bindings[2] = {x.buffer, out};
    vk_dispatch(rec, p, bindings, 2, &push, sizeof push, rows, 1, 1);
    return MLAVK_OK;
}

mlavk_status ops_topk(ops *ops, vk_recording *rec, ops_rows scores, uint32_t n, uint32_t rows, uint32_t k,
                      vk_binding ids, vk_binding values)
{
    if (n == 0 || n > TOPK_MAX_N || k == 0 || k > n)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "topk: k = %u of n = %u (n at most %u)", k, n, TOPK_MAX_N);
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_TOPK, &p));
    struct push_topk push = {.n = n, .k = k, .x_offset = scores.offset, .x_stride = ops_rows_stride(scores, n)};
    vk_binding bindings[3] = {scores.buffer, ids, values};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, rows, 1, 1);
    return MLAVK_OK;
}
