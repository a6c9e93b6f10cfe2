/* Kernel library: the only code that names shaders and push-constant structs. Each op records one or more
 * dispatches into a vk_recording; pipelines are created on first use. */
#ifndef MLAVK_OPS_H
#define MLAVK_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "vk/vk_commands.h"

typedef enum ops_reduction {
    OPS_REDUCTION_AUTO,           /* subgroup arithmetic where the device has it, shared memory otherwise */
    OPS_REDUCTION_SUBGROUP,
    OPS_REDUCTION_SHARED_MEMORY,
} ops_reduction;

typedef struct ops_options {
    ops_reduction reduction;      /* MLAVK_REDUCTION=subgroup|shared overrides AUTO */
} ops_options;

typedef struct ops ops;

mlavk_status ops_create(vk_context *ctx, const ops_options *options, ops **out);
void ops_destroy(ops *ops);
/* The reduction mode in effect (never AUTO). */
ops_reduction ops_reduction_mode(const ops *ops);

/* out[i] = a[i] + b[i], n floats */
mlavk_status ops_add(ops *ops, vk_recording *rec, vk_binding a, vk_binding b, vk_binding out, uint32_t n);

#endif
