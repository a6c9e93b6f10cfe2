#include "ops/ops_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/status.h"

static const op_desc op_table[OP_COUNT] = {
    [OP_ADD] = {"add", NULL, &mlavk_spv_add, 3, 1u << 2, sizeof(struct push_add), 256},
    [OP_KV_STORE] = {"kv_store", NULL, &mlavk_spv_kv_store, 3, 1u << 2, sizeof(struct push_kv_store), 64},
    [OP_KV_STORE_F32] = {"kv_store", NULL, &mlavk_spv_kv_store_f32, 3, 1u << 2, sizeof(struct push_kv_store), 64},
    [OP_MLA_ATTENTION] = {"mla_attention", NULL, &mlavk_spv_mla_attention, 6, (1u << 3) | (1u << 4),
                          sizeof(struct push_mla_attention), 256},
    [OP_MLA_ATTENTION_F32] = {"mla_attention", NULL, &mlavk_spv_mla_attention_f32, 6, (1u << 3) | (1u << 4),
                              sizeof(struct push_mla_attention), 256},
    [OP_MLA_REDUCE] = {"mla_reduce", NULL, &mlavk_spv_mla_reduce, 3, 1u << 2, sizeof(struct push_mla_reduce), 64},
    [OP_MOE_ROUTE] = {"moe_route", NULL, &mlavk_spv_moe_route, 4, (1u << 2) | (1u << 3),
                      sizeof(struct push_moe_route), 256},
    [OP_MOE_COMBINE] = {"moe_combine", NULL, &mlavk_spv_moe_combine, 4, 1u << 0, sizeof(struct push_moe_combine),
                        64},
};

static ops_reduction resolve_reduction(const vk_context *ctx, ops_reduction wanted)
{
    if (wanted == OPS_REDUCTION_AUTO) {
        const char *env = getenv("MLAVK_REDUCTION");
        if (env && strcmp(env, "shared") == 0)
            wanted = OPS_REDUCTION_SHARED_MEMORY;
        else if (env && strcmp(env, "subgroup") == 0)
            wanted = OPS_REDUCTION_SUBGROUP;
    }
    bool has_subgroups = vk_device_has_subgroup_arithmetic(&ctx->info);
    if (wanted == OPS_REDUCTION_SUBGROUP && !has_subgroups)
        return OPS_REDUCTION_SHARED_MEMORY;
    if (wanted == OPS_REDUCTION_AUTO)
        return has_subgroups ? OPS_REDUCTION_SUBGROUP : OPS_REDUCTION_SHARED_MEMORY;
    return wanted;
}

mlavk_status ops_create(vk_context *ctx, const ops_options *options, ops **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "ops: out of memory");
    (*out)->ctx = ctx;
    (*out)->reduction = resolve_reduction(ctx, options ? options->reduction : OPS_REDUCTION_AUTO);
    return MLAVK_OK;
}

void ops_destroy(ops *ops)
{
    if (!ops)
        return;
    for (int i = 0; i < OP_COUNT; i++)
        vk_pipeline_destroy(ops->ctx, &ops->pipelines[i]);
    free(ops);
}

ops_reduction ops_reduction_mode(const ops *ops) { return ops->reduction; }

mlavk_status ops_pipeline(ops *ops, op_id id, const vk_pipeline **out)
{
    vk_pipeline *p = &ops->pipelines[id];
    if (!p->handle) {
        const op_desc *d = &op_table[id];
        const mlavk_spirv *module =
            d->subgroup_module && ops->reduction == OPS_REDUCTION_SUBGROUP ? d->subgroup_module : d->module;
        vk_pipeline_desc desc = {.name = d->name,
                                 .code = module->code,
                                 .code_size = module->size_bytes,
                                 .binding_count = d->binding_count,
                                 .write_mask = d->write_mask,
                                 .push_size = d->push_size,
                                 .local_size = {d->local_size_x, 1, 1}};
        MLAVK_TRY(vk_pipeline_create(ops->ctx, &desc, p));
    }
    *out = p;
    return MLAVK_OK;
}
