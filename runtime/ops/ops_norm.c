/* Row-wise kernels: RMSNorm and softmax. */
#include "ops/ops_internal.h"

mlavk_status ops_rmsnorm(ops *ops, vk_recording *rec, ops_rows x, vk_binding weight, ops_rows y, uint32_t n,
                         uint32_t rows, float eps)
{
    if (n == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "rmsnorm: empty rows");
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_RMSNORM, &p));
    struct push_rmsnorm push = {.n = n,
                                .eps = eps,
                                .x_offset = x.offset,
                                .x_stride = ops_rows_stride(x, n),
                                .y_offset = y.offset,
                                .y_stride = ops_rows_stride(y, n)};
    vk_binding bindings[3] = {x.buffer, weight, y.buffer};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, rows, 1, 1);
    return MLAVK_OK;
}

mlavk_status ops_softmax(ops *ops, vk_recording *rec, ops_rows x, ops_rows y, uint32_t n, uint32_t rows, float scale,
                         bool causal, uint32_t causal_p0)
{
    if (n == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "softmax: empty rows");
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_SOFTMAX, &p));
    struct push_softmax push = {.n = n,
                                .rows = rows,
                                .scale = scale,
                                .causal = causal,
                                .causal_p0 = causal_p0,
                                .x_offset = x.offset,
                                .x_stride = ops_rows_stride(x, n),
                                .y_offset = y.offset,
                                .y_stride = ops_rows_stride(y, n)};
    vk_binding bindings[2] = {x.buffer, y.buffer};
    ops_dispatch_groups(rec, p, bindings, 2, &push, sizeof push, rows, 1);
    return MLAVK_OK;
}
