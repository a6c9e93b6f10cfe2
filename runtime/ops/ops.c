#include "ops/ops_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/status.h"

/* Weight kernels: rows per workgroup, batch items per workgroup of the batched form, and invocations per workgroup
 * (a warp on NVIDIA; lavapipe pays per invocation, so more would only add idle ones). Row kernels (one workgroup per
 * row) use ROW_LOCAL_SIZE. */
#define MATVEC_ROWS 8
#define MATMUL_BATCH_TILE 8
/* MoE slots of one expert that one workgroup of the reduction kernel serves with one read of the expert. */
#define MOE_BATCH_TILE 8
/* The tiled batched kernel (gemm.comp): rows per invocation; batch items per invocation come by type from
 * weight_types.h. */
#define GEMM_ROWS 8
#define WEIGHT_LOCAL_SIZE 32
#define ROW_LOCAL_SIZE 128

static const op_desc op_table[OP_COUNT] = {
    [OP_ADD] = {"add", NULL, &mlavk_spv_add, 3, 1u << 2, sizeof(struct push_add), 256, 0, {0}},
#define WEIGHT_TYPE_OPS(T, t, unit_elems, gemm_items)                                                        \
    [OP_MATVEC_##T] = {"matvec_" #t, &mlavk_spv_matmul_##t##_subgroup, &mlavk_spv_matmul_##t, 3, 1u << 2,        \
                       sizeof(struct push_matmul), WEIGHT_LOCAL_SIZE, 2, {MATVEC_ROWS, 1}},                      \
    [OP_MATMUL_##T] = {"matmul_" #t, &mlavk_spv_matmul_##t##_subgroup, &mlavk_spv_matmul_##t, 3, 1u << 2,        \
                       sizeof(struct push_matmul), WEIGHT_LOCAL_SIZE, 2, {MATVEC_ROWS, MATMUL_BATCH_TILE}},      \
    [OP_GEMM_##T] = {"gemm_" #t, NULL, &mlavk_spv_gemm_##t, 3, 1u << 2, sizeof(struct push_matmul),             \
                     WEIGHT_LOCAL_SIZE, 2, {GEMM_ROWS, gemm_items}},                                               \
    [OP_MOE_##T] = {"moe_" #t, &mlavk_spv_moe_##t##_subgroup, &mlavk_spv_moe_##t, 4, 1u << 3,                   \
                    sizeof(struct push_matmul), WEIGHT_LOCAL_SIZE, 2, {MATVEC_ROWS, 1}},                        \
    [OP_MOE_GROUPED_##T] = {"moe_grouped_" #t, &mlavk_spv_moe_grouped_##t##_subgroup, &mlavk_spv_moe_grouped_##t, \
                            5, 1u << 4, sizeof(struct push_matmul), WEIGHT_LOCAL_SIZE, 2,                         \
                            {MATVEC_ROWS, MOE_BATCH_TILE}},                                                       \
    [OP_MOE_GEMM_##T] = {"moe_gemm_" #t, NULL, &mlavk_spv_moe_gemm_##t, 5, 1u << 4, sizeof(struct push_matmul),  \
                         WEIGHT_LOCAL_SIZE, 2, {GEMM_ROWS, gemm_items}},                                           \
    [OP_GET_ROWS_##T] = {"get_rows_" #t, NULL, &mlavk_spv_get_rows_##t, 3, 1u << 2, sizeof(struct push_get_rows), \
                         WEIGHT_LOCAL_SIZE, 0, {0}},
    MLAVK_WEIGHT_TYPES(WEIGHT_TYPE_OPS)
#undef WEIGHT_TYPE_OPS
    [OP_RMSNORM] = {"rmsnorm", &mlavk_spv_rmsnorm_subgroup, &mlavk_spv_rmsnorm, 3, 1u << 2,
                    sizeof(struct push_rmsnorm), ROW_LOCAL_SIZE, 0, {0}},
    [OP_ROPE] = {"rope", NULL, &mlavk_spv_rope, 3, 1u << 0, sizeof(struct push_rope), 64, 0, {0}},
    [OP_ATTN_TEMPERATURE] = {"attn_temperature", NULL, &mlavk_spv_attn_temperature, 2, 1u << 0,
                             sizeof(struct push_attn_temperature), 64, 0, {0}},
    [OP_SOFTMAX] = {"softmax", &mlavk_spv_softmax_subgroup, &mlavk_spv_softmax, 2, 1u << 1,
                    sizeof(struct push_softmax), ROW_LOCAL_SIZE, 0, {0}},
    [OP_SILU_MUL] = {"silu_mul", NULL, &mlavk_spv_silu_mul, 3, 1u << 2, sizeof(struct push_elementwise), 256, 0, {0}},
    [OP_SCALE] = {"scale", NULL, &mlavk_spv_scale, 3, 1u << 2, sizeof(struct push_elementwise), 256, 0, {0}},
    [OP_SIGMOID] = {"sigmoid", NULL, &mlavk_spv_sigmoid, 3, 1u << 2, sizeof(struct push_elementwise), 256, 0, {0}},
    [OP_ARGMAX] = {"argmax", &mlavk_spv_argmax_subgroup, &mlavk_spv_argmax, 2, 1u << 1, sizeof(struct push_argmax),
                   ROW_LOCAL_SIZE, 0, {0}},
    [OP_TOPK] = {"topk", NULL, &mlavk_spv_topk, 3, 3u << 1, sizeof(struct push_topk), ROW_LOCAL_SIZE, 0, {0}},
    [OP_KV_STORE] = {"kv_store", NULL, &mlavk_spv_kv_store, 5, 1u << 4, sizeof(struct push_kv_store), 64, 0, {0}},
    [OP_KV_STORE_F32] = {"kv_store", NULL, &mlavk_spv_kv_store_f32, 5, 1u << 4, sizeof(struct push_kv_store), 64, 0, {0}},
    [OP_KV_GATHER] = {"kv_gather", NULL, &mlavk_spv_kv_gather, 3, 1u << 2, sizeof(struct push_kv_gather), 64, 0, {0}},
    [OP_KV_GATHER_F32] = {"kv_gather", NULL, &mlavk_spv_kv_gather_f32, 3, 1u << 2, sizeof(struct push_kv_gather), 64,
                          0, {0}},
    [OP_MLA_ATTENTION] = {"mla_attention", NULL, &mlavk_spv_mla_attention, 8, (1u << 3) | (1u << 4),
                          sizeof(struct push_mla_attention), MLA_ATTENTION_LOCAL_SIZE, 0, {0}},
    [OP_MLA_ATTENTION_F32] = {"mla_attention", NULL, &mlavk_spv_mla_attention_f32, 8, (1u << 3) | (1u << 4),
                              sizeof(struct push_mla_attention), MLA_ATTENTION_LOCAL_SIZE, 0, {0}},
    [OP_MLA_REDUCE] = {"mla_reduce", NULL, &mlavk_spv_mla_reduce, 3, 1u << 2, sizeof(struct push_mla_reduce), 64, 0, {0}},
    [OP_ATTENTION_EXPANDED] = {"attention_expanded", NULL, &mlavk_spv_attention_expanded, 6, 1u << 5,
                               sizeof(struct push_attention_expanded), ATTENTION_EXPANDED_LOCAL_SIZE, 0, {0}},
    [OP_MOE_ROUTE] = {"moe_route", NULL, &mlavk_spv_moe_route, 4, (1u << 2) | (1u << 3),
                      sizeof(struct push_moe_route), MOE_ROUTE_MAX_EXPERTS, 0, {0}}, /* an invocation per expert */
    [OP_MOE_COMBINE] = {"moe_combine", NULL, &mlavk_spv_moe_combine, 4, 1u << 0, sizeof(struct push_moe_combine),
                        64, 0, {0}},
    [OP_MOE_GROUP] = {"moe_group", NULL, &mlavk_spv_moe_group, 3, (1u << 1) | (1u << 2),
                      sizeof(struct push_moe_group), 256, 0, {0}},
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

static ops_batched resolve_batched(const vk_context *ctx, ops_batched wanted)
{
    if (wanted != OPS_BATCHED_AUTO)
        return wanted;
    const char *env = getenv("MLAVK_BATCHED_MATMUL");
    if (env && strcmp(env, "cooperative") == 0)
        return OPS_BATCHED_COOPERATIVE;
    if (env && strcmp(env, "tiled") == 0)
        return OPS_BATCHED_TILED;
    return ctx->info.type == VK_PHYSICAL_DEVICE_TYPE_CPU ? OPS_BATCHED_TILED : OPS_BATCHED_COOPERATIVE;
}

mlavk_status ops_create(vk_context *ctx, const ops_options *options, ops **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "ops: out of memory");
    (*out)->ctx = ctx;
    (*out)->reduction = resolve_reduction(ctx, options ? options->reduction : OPS_REDUCTION_AUTO);
    (*out)->batched = resolve_batched(ctx, options ? options->batched : OPS_BATCHED_AUTO);
    return MLAVK_OK;
}

void ops_destroy(ops *ops)
{
    if (!ops)
        return;
    for (int i = 0; i < OP_COUNT; i++)
        for (int aligned = 0; aligned < 2; aligned++)
            vk_pipeline_destroy(ops->ctx, &ops->pipelines[i][aligned]);
    free(ops);
}

ops_reduction ops_reduction_mode(const ops *ops) { return ops->reduction; }

const op_desc *ops_desc(op_id id) { return &op_table[id]; }

mlavk_status ops_pipeline(ops *ops, op_id id, const vk_pipeline **out)
{
    return ops_weight_pipeline(ops, id, false, out);
}

mlavk_status ops_weight_pipeline(ops *ops, op_id id, bool aligned, const vk_pipeline **out)
{
    vk_pipeline *p = &ops->pipelines[id][aligned];
    if (!p->handle) {
        const op_desc *d = &op_table[id];
        /* The subgroup form of a reducing shader runs one full subgroup per workgroup (reduce.glsl). */
        bool subgroup = d->subgroup_module && ops->reduction == OPS_REDUCTION_SUBGROUP;
        const mlavk_spirv *module = subgroup ? d->subgroup_module : d->module;
        uint32_t subgroup_size = ops->ctx->info.subgroup_size;
        vk_pipeline_desc desc = {.name = d->name,
                                 .code = module->code,
                                 .code_size = module->size_bytes,
                                 .binding_count = d->binding_count,
                                 .write_mask = d->write_mask,
                                 .push_size = d->push_size,
                                 .local_size = {subgroup ? subgroup_size : d->local_size_x, 1, 1},
                                 .spec_count = d->spec_count,
                                 .full_subgroups = subgroup ? subgroup_size : 0};
        memcpy(desc.spec, d->spec, sizeof d->spec);
        if (aligned) {
            desc.spec_count = WEIGHT_SPEC_ALIGNED - 3 + 1;
            desc.spec[WEIGHT_SPEC_ALIGNED - 3] = 1;
        }
        MLAVK_TRY(vk_pipeline_create(ops->ctx, &desc, p));
    }
    *out = p;
    return MLAVK_OK;
}

int ops_weight_type_index(ggml_type type)
{
    switch (type) {
#define TYPE_INDEX(T, t, unit_elems, gemm_items) case GGML_TYPE_##T: return OPS_WEIGHT_INDEX_##T;
        MLAVK_WEIGHT_TYPES(TYPE_INDEX)
#undef TYPE_INDEX
    default:
        return -1;
    }
}

uint32_t ops_weight_unit_elems(ggml_type type)
{
    switch (type) {
#define UNIT_ELEMS(T, t, unit_elems, gemm_items) case GGML_TYPE_##T: return unit_elems;
        MLAVK_WEIGHT_TYPES(UNIT_ELEMS)
#undef UNIT_ELEMS
    default:
        return 0;
    }
}

void ops_dispatch_groups(vk_recording *rec, const vk_pipeline *p, const vk_binding *bindings, uint32_t binding_count,
                         const void *push, uint32_t push_size, uint32_t groups, uint32_t groups_z)
{
    const uint32_t max_x = 65535;
    uint32_t groups_y = ops_div_up(groups, max_x);
    uint32_t groups_x = ops_div_up(groups, groups_y);
    vk_dispatch(rec, p, bindings, binding_count, push, push_size, groups_x, groups_y, groups_z);
}
