/* Element-wise kernels over n floats. */
#include "ops/ops_internal.h"

static mlavk_status add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n,
                        uint32_t period)
{
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ADD, &p));
    struct push_add push = {.n = n, .period = period};
    vk_binding bindings[3] = {a, b, out};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(n, p->local_size[0]), 1, 1);
    return MLAVK_OK;
}

mlavk_status ops_add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n)
{
    return add(ops, rec, a, b, out, n, n);
}

mlavk_status ops_add_bias(ops *ops, vk_recording *rec, vk_binding x, vk_binding bias, uint32_t n, uint32_t rows)
{
    if (n == 0 || (uint64_t)n * rows > UINT32_MAX)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "add_bias: %u rows of %u values", rows, n);
    return add(ops, rec, x, bias, x, n * rows, n);
}

static mlavk_status record(ops *ops, vk_recording *rec, op_id id, vk_binding a, vk_binding b, vk_binding out,
                           uint32_t n, float alpha)
{
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, id, &p));
    struct push_elementwise push = {.n = n, .alpha = alpha};
    vk_binding bindings[3] = {a, b, out};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(n, p->local_size[0]), 1, 1);
    return MLAVK_OK;
}

mlavk_status ops_silu_mul(ops *ops, vk_recording *rec, vk_binding gate, vk_binding up, vk_binding out, uint32_t n)
{
    return record(ops, rec, OP_SILU_MUL, gate, up, out, n, 0.0f);
}

mlavk_status ops_scale(ops *ops, vk_recording *rec, vk_binding x, vk_binding out, uint32_t n, float alpha)
{
    return record(ops, rec, OP_SCALE, x, x, out, n, alpha);
}

mlavk_status ops_sigmoid(ops *ops, vk_recording *rec, vk_binding x, vk_binding out, uint32_t n)
{
    return record(ops, rec, OP_SIGMOID, x, x, out, n, 0.0f);
}
