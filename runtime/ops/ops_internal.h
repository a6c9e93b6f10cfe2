/* Shared by the ops_*.c files: the pipeline table and the dispatch helper. */
#ifndef MLAVK_OPS_INTERNAL_H
#define MLAVK_OPS_INTERNAL_H

#include "formats/weight_types.h"
#include "mlavk_spirv.h"
#include "ops/ops.h"
#include "ops/ops_push.h"
#include "util/status.h"

/* Position of each weight type in MLAVK_WEIGHT_TYPES: the per-type op ids below are OP_<KERNEL>_F32 + index. */
#define OPS_WEIGHT_INDEX(T, t, unit_elems, gemm_items) OPS_WEIGHT_INDEX_##T,
enum { MLAVK_WEIGHT_TYPES(OPS_WEIGHT_INDEX) OPS_WEIGHT_TYPE_COUNT };
#undef OPS_WEIGHT_INDEX

#define OPS_ID_MATVEC(T, t, unit_elems, gemm_items) OP_MATVEC_##T,
#define OPS_ID_MATMUL(T, t, unit_elems, gemm_items) OP_MATMUL_##T,
#define OPS_ID_GEMM(T, t, unit_elems, gemm_items) OP_GEMM_##T,
#define OPS_ID_MOE(T, t, unit_elems, gemm_items) OP_MOE_##T,
#define OPS_ID_MOE_GROUPED(T, t, unit_elems, gemm_items) OP_MOE_GROUPED_##T,
#define OPS_ID_MOE_GEMM(T, t, unit_elems, gemm_items) OP_MOE_GEMM_##T,
#define OPS_ID_GET_ROWS(T, t, unit_elems, gemm_items) OP_GET_ROWS_##T,

typedef enum op_id {
    OP_ADD,
    MLAVK_WEIGHT_TYPES(OPS_ID_MATVEC)
    MLAVK_WEIGHT_TYPES(OPS_ID_MATMUL)
    MLAVK_WEIGHT_TYPES(OPS_ID_GEMM)
    MLAVK_WEIGHT_TYPES(OPS_ID_MOE)
    MLAVK_WEIGHT_TYPES(OPS_ID_MOE_GROUPED)
    MLAVK_WEIGHT_TYPES(OPS_ID_MOE_GEMM)
    MLAVK_WEIGHT_TYPES(OPS_ID_GET_ROWS)
    OP_RMSNORM,
    OP_ROPE,
    OP_ATTN_TEMPERATURE,
    OP_SOFTMAX,
    OP_SILU_MUL,
    OP_SCALE,
    OP_SIGMOID,
    OP_ARGMAX,
    OP_TOPK,
    OP_KV_STORE,
    OP_KV_STORE_F32,
    OP_KV_GATHER,
    OP_KV_GATHER_F32,
    OP_MLA_ATTENTION,
    OP_MLA_ATTENTION_F32,
    OP_MLA_REDUCE,
    OP_ATTENTION_EXPANDED,
    OP_MOE_ROUTE,
    OP_MOE_COMBINE,
    OP_MOE_GROUP,
    OP_COUNT
} op_id;

#define OPS_MAX_SPEC 2

/* How to build an op's pipeline. Shaders that reduce come in two modules: subgroup and shared memory. */
typedef struct op_desc {
    const char *name;
    const mlavk_spirv *subgroup_module;   /* NULL when the op has a single module */
    const mlavk_spirv *module;            /* the shared-memory (or only) module */
    uint32_t binding_count;
    uint32_t write_mask;
    uint32_t push_size;
    uint32_t local_size_x;
    uint32_t spec_count;                  /* constants 3 .. 3+spec_count-1 */
    uint32_t spec[OPS_MAX_SPEC];
} op_desc;

struct ops {
    vk_context *ctx;
    ops_reduction reduction;
    ops_batched batched;                  /* never AUTO */
    vk_pipeline pipelines[OP_COUNT][2];   /* [id][aligned] */
};

/* The pipeline of an op, created on first use. */
mlavk_status ops_pipeline(ops *ops, op_id id, const vk_pipeline **out);
/* The pipeline of a weight kernel: aligned when x rows start on 16-byte boundaries and, for plain types, weight
 * rows are whole 16-byte quads (see quant.glsl). */
mlavk_status ops_weight_pipeline(ops *ops, op_id id, bool aligned, const vk_pipeline **out);
/* The specialization constants an op was built with (rows per workgroup, batch tile). */
const op_desc *ops_desc(op_id id);

/* Position of a weight type in MLAVK_WEIGHT_TYPES, or -1 when the kernels cannot read it. */
int ops_weight_type_index(ggml_type type);
/* Values one invocation of a weight kernel decodes together (UNIT_ELEMS in quant.glsl); 0 for other types. */
uint32_t ops_weight_unit_elems(ggml_type type);

static inline uint32_t ops_div_up(uint32_t n, uint32_t d) { return (n + d - 1) / d; }

/* The row stride of a view: its own, or `packed` when it is 0 (rows back to back). */
static inline uint32_t ops_rows_stride(ops_rows r, uint32_t packed) { return r.stride ? r.stride : packed; }

/* Records a dispatch of `groups` workgroups laid out over x and y, as maxComputeWorkGroupCount[0] may be 65535;
 * shaders number them y * gl_NumWorkGroups.x + x. */
void ops_dispatch_groups(vk_recording *rec, const vk_pipeline *p, const vk_binding *bindings, uint32_t binding_count,
                         const void *push, uint32_t push_size, uint32_t groups, uint32_t groups_z);

#endif
