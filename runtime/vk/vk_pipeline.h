/* Compute pipelines built from embedded SPIR-V, and the on-disk pipeline cache. */
#ifndef MLAVK_VK_PIPELINE_H
#define MLAVK_VK_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "vk/vk_device.h"

#define VK_PIPELINE_MAX_BINDINGS 12
#define VK_PIPELINE_MAX_SPEC 8

/* Specialization constants 0, 1, 2 are always the workgroup size (layout(local_size_x_id = 0, ...));
 * 3 and up are the shader's own (subgroup size, rows per workgroup, ...). */
typedef struct vk_pipeline_desc {
    const char *name;           /* op name, used for timings and debug labels */
    const uint32_t *code;
    size_t code_size;           /* bytes */
    uint32_t binding_count;     /* storage buffers at set 0, bindings 0..n-1 */
    uint32_t write_mask;        /* bit i set: the shader writes binding i */
    uint32_t push_size;         /* bytes of the push-constant struct */
    uint32_t local_size[3];
    uint32_t spec_count;        /* extra constants, ids 3 .. 3+spec_count-1 */
    uint32_t spec[VK_PIPELINE_MAX_SPEC];
    uint32_t full_subgroups;    /* non-zero: require full subgroups of this size (vk_device_info.subgroup_size) */
} vk_pipeline_desc;

typedef struct vk_pipeline {
    const char *name;
    VkPipeline handle;
    VkPipelineLayout layout;
    VkDescriptorSetLayout set_layout;
    uint32_t binding_count;
    uint32_t write_mask;
    uint32_t push_size;
    uint32_t local_size[3];
} vk_pipeline;

mlavk_status vk_pipeline_create(vk_context *ctx, const vk_pipeline_desc *desc, vk_pipeline *out);
void vk_pipeline_destroy(vk_context *ctx, vk_pipeline *pipeline);

/* The cache lives in $XDG_CACHE_HOME/mlavk (or ~/.cache/mlavk), one file per device and driver version;
 * MLAVK_NO_PIPELINE_CACHE=1 turns it off. Called by vk_context_create / vk_context_destroy. */
mlavk_status vk_pipeline_cache_open(vk_context *ctx);
void vk_pipeline_cache_close(vk_context *ctx);

#endif
