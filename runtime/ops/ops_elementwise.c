#include "ops/ops_internal.h"

mlavk_status ops_add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n)
{
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_ADD, &p));
    struct push_add push = {.n = n};
    vk_binding bindings[3] = {a, b, out};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, ops_div_up(n, p->local_size[0]), 1, 1);
    return MLAVK_OK;
}
