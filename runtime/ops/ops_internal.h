/* Shared by the ops_*.c files: the pipeline table and the dispatch helper. */
#ifndef MLAVK_OPS_INTERNAL_H
#define MLAVK_OPS_INTERNAL_H

#include "mlavk_spirv.h"
#include "ops/ops.h"
#include "ops/ops_push.h"
#include "util/status.h"

typedef enum op_id {
    OP_ADD,
    OP_KV_STORE,
    OP_KV_STORE_F32,
    OP_MLA_ATTENTION,
    OP_MLA_ATTENTION_F32,
    OP_MLA_REDUCE,
    OP_MOE_ROUTE,
    OP_MOE_COMBINE,
    OP_COUNT
} op_id;

/* How to build an op's pipeline. Shaders that reduce come in two modules: subgroup and shared memory. */
typedef struct op_desc {
    const char *name;
    const mlavk_spirv *subgroup_module;   /* NULL when the op has a single module */
    const mlavk_spirv *module;            /* the shared-memory (or only) module */
    uint32_t binding_count;
    uint32_t write_mask;
    uint32_t push_size;
    uint32_t local_size_x;
} op_desc;

struct ops {
    vk_context *ctx;
    ops_reduction reduction;
    vk_pipeline pipelines[OP_COUNT];
};

/* The pipeline of an op, created on first use. */
mlavk_status ops_pipeline(ops *ops, op_id id, const vk_pipeline **out);

static inline uint32_t ops_div_up(uint32_t n, uint32_t d) { return (n + d - 1) / d; }

#endif
