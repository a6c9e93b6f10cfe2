#include "ops/ops_internal.h"

/* The limits ops.h states are the shaders' (push_constants.h). */
_Static_assert(OPS_MOE_MAX_EXPERTS == MOE_ROUTE_MAX_EXPERTS && OPS_MOE_MAX_GROUPS == MOE_ROUTE_MAX_GROUPS,
               "OPS_MOE_MAX_EXPERTS and OPS_MOE_MAX_GROUPS are moe_route.comp's limits");
_Static_assert(OPS_MOE_MAX_EXPERTS == MOE_GROUP_MAX_EXPERTS, "moe_group.comp counts up to OPS_MOE_MAX_EXPERTS");

static mlavk_status check_routing(const ops_moe_routing *r)
{
    bool groups_ok = r->n_groups >= 1 && r->n_groups <= OPS_MOE_MAX_GROUPS && r->n_experts % r->n_groups == 0 &&
                     r->n_groups_used >= 1 && r->n_groups_used <= r->n_groups;
    if (!groups_ok || r->n_experts == 0 || r->n_experts > OPS_MOE_MAX_EXPERTS || r->n_used == 0 ||
        r->n_used > r->n_groups_used * (r->n_experts / r->n_groups))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED,
                          "moe_route: unsupported routing (%u experts, top %u, %u groups keeping %u)", r->n_experts,
                          r->n_used, r->n_groups, r->n_groups_used);
    return MLAVK_OK;
}

mlavk_status ops_moe_route(ops *ops, vk_recording *rec, const ops_moe_routing *routing, vk_binding logits,
                           vk_binding bias, vk_binding ids, vk_binding weights, uint32_t n_tokens)
{
    MLAVK_TRY(check_routing(routing));
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_MOE_ROUTE, &p));
    bool has_bias = bias.buffer != NULL;
    struct push_moe_route push = {
        .n_tokens = n_tokens,
        .n_experts = routing->n_experts,
        .n_used = routing->n_used,
        .n_groups = routing->n_groups,
        .n_groups_used = routing->n_groups_used,
        .flags = (routing->sigmoid ? MOE_ROUTE_SIGMOID : 0u) | (has_bias ? MOE_ROUTE_BIAS : 0u) |
                 (routing->normalize ? MOE_ROUTE_NORMALIZE : 0u) | (routing->group_max ? MOE_ROUTE_GROUP_MAX : 0u),
        .routed_scale = routing->routed_scale,
    };
    /* Without a bias the shader never reads binding 1; the logits stand in so the layout stays valid. */
    vk_binding bindings[4] = {logits, has_bias ? bias : logits, ids, weights};
    vk_dispatch(rec, p, bindings, 4, &push, sizeof push, n_tokens, 1, 1);
    return MLAVK_OK;
}

mlavk_status ops_moe_combine(ops *ops, vk_recording *rec, vk_binding x, vk_binding expert_out, vk_binding weights,
                             vk_binding shared_out, uint32_t n_tokens, uint32_t n_used, uint32_t dim)
{
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_MOE_COMBINE, &p));
    struct push_moe_combine push = {.n_tokens = n_tokens, .n_used = n_used, .dim = dim};
    vk_binding bindings[4] = {x, expert_out, weights, shared_out};
    vk_dispatch(rec, p, bindings, 4, &push, sizeof push, ops_div_up(dim, p->local_size[0]), n_tokens, 1);
    return MLAVK_OK;
}

mlavk_status ops_moe_group(ops *ops, vk_recording *rec, vk_binding ids, uint32_t ids_offset, uint32_t slots,
                           uint32_t experts, vk_binding offsets, vk_binding order)
{
    if (experts == 0 || experts > OPS_MOE_MAX_EXPERTS)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "moe_group: %u experts (at most %d)", experts, OPS_MOE_MAX_EXPERTS);
    if (slots == 0)
        return MLAVK_OK;
    const vk_pipeline *p;
    MLAVK_TRY(ops_pipeline(ops, OP_MOE_GROUP, &p));
    struct push_moe_group push = {.slots = slots, .experts = experts, .ids_offset = ids_offset};
    vk_binding bindings[3] = {ids, offsets, order};
    vk_dispatch(rec, p, bindings, 3, &push, sizeof push, 1, 1, 1);
    return MLAVK_OK;
}

bool ops_moe_tiled_pays(const ops *ops)
{
    return ops->batched == OPS_BATCHED_TILED;
}
