/* Device memory: buffers sub-allocated from large blocks, and host transfers in and out of them. */
#ifndef MLAVK_VK_MEMORY_H
#define MLAVK_VK_MEMORY_H

#include <stdint.h>

#include "vk/vk_device.h"

typedef enum vk_memory_kind {
    VK_MEMORY_DEVICE,   /* weights and state; mapped too where the device offers large device-local host memory
                         * (MLAVK_FORCE_STAGING=1 turns that off) */
    VK_MEMORY_UPLOAD,   /* host-visible staging written by the host */
    VK_MEMORY_READBACK, /* host-visible, cached where possible, read by the host */
    VK_MEMORY_KIND_COUNT
} vk_memory_kind;

typedef struct vk_block vk_block;

/* A range of one VkBuffer. Bind it as a whole or in parts (vk_binding in vk_commands.h). */
typedef struct vk_buffer {
    VkBuffer handle;
    VkDeviceSize offset; /* of this allocation inside handle */
    VkDeviceSize size;
    void *mapped;        /* host pointer to offset 0 of this allocation, or NULL */
    vk_block *block;
} vk_buffer;

mlavk_status vk_memory_create(vk_context *ctx, vk_memory **out);
void vk_memory_destroy(vk_context *ctx, vk_memory *memory);

/* label names the buffer in errors and debuggers ("weights", "kv cache"). */
mlavk_status vk_buffer_create(vk_context *ctx, VkDeviceSize size, vk_memory_kind kind, const char *label,
                              vk_buffer *out);
void vk_buffer_destroy(vk_context *ctx, vk_buffer *buffer);

/* Synchronous transfers: direct when mapped, through a staging buffer otherwise. */
mlavk_status vk_buffer_write(vk_context *ctx, const vk_buffer *dst, VkDeviceSize offset, const void *src,
                             VkDeviceSize size);
mlavk_status vk_buffer_read(vk_context *ctx, const vk_buffer *src, VkDeviceSize offset, void *dst,
                            VkDeviceSize size);

typedef struct vk_memory_usage {
    VkDeviceSize allocated[VK_MEMORY_KIND_COUNT]; /* bytes in live buffers */
    VkDeviceSize reserved;                        /* bytes of VkDeviceMemory held, all kinds */
    VkDeviceSize device_budget;                   /* what the device (and MLAVK_MEMORY_BUDGET) still allows,
                                                   * 0 when unknown */
} vk_memory_usage;

void vk_memory_get_usage(vk_context *ctx, vk_memory_usage *usage);

/* Largest single buffer the device can bind (maxStorageBufferRange and allocation limits). */
VkDeviceSize vk_memory_max_buffer_size(const vk_context *ctx);

#endif
