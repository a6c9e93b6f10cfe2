/* Vulkan instance, physical device discovery and the logical device context used by everything above. */
#ifndef MLAVK_VK_DEVICE_H
#define MLAVK_VK_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "vk/vk_loader.h"

typedef struct vk_device_info {
    uint32_t index;                  /* position in the instance's enumeration */
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    VkPhysicalDeviceType type;
    uint32_t vendor_id, device_id;
    char driver_name[VK_MAX_DRIVER_NAME_SIZE];
    char driver_info[VK_MAX_DRIVER_INFO_SIZE];
    uint32_t driver_version;         /* vendor-encoded */
    uint32_t api_version;
    uint64_t device_local_bytes;     /* size of the largest device-local heap */
    uint64_t device_local_budget;    /* VK_EXT_memory_budget figure for that heap; 0 when unknown */
    bool has_memory_budget;
    uint32_t subgroup_size;
    VkSubgroupFeatureFlags subgroup_operations;
    bool subgroup_in_compute;
    bool subgroup_size_control;      /* a compute pipeline can require full subgroups of subgroup_size */
    bool subgroup_size_control_ext;  /* ... through VK_EXT_subgroup_size_control (devices before Vulkan 1.3) */
    bool shader_float16, shader_int8;
    bool storage_8bit, storage_16bit;
    bool cooperative_matrix;         /* VK_KHR_cooperative_matrix (or the NV form) is offered */
    uint64_t max_storage_buffer_range;
    uint64_t max_allocation_size;
    uint32_t max_push_constants_size;
    uint32_t max_workgroup_invocations;
    uint32_t max_shared_memory;
    uint32_t min_storage_buffer_offset_alignment;
    float timestamp_period_ns;
    bool timestamps;                 /* compute queue supports timestamp queries */
} vk_device_info;

/* The reduction shaders' subgroup form: workgroups of exactly one full subgroup of subgroup_size invocations,
 * reduced with subgroup arithmetic alone (no barriers, which CPU drivers such as lavapipe pay dearly for). */
bool vk_device_has_subgroup_arithmetic(const vk_device_info *info);

const char *vk_device_type_name(VkPhysicalDeviceType type);

typedef struct vk_instance {
    VkInstance handle;
    VkDebugUtilsMessengerEXT messenger;
    bool validation;                 /* the Khronos validation layer is on */
    bool debug_utils;
    uint32_t device_count;
    VkPhysicalDevice *physical_devices;
    vk_device_info *devices;
} vk_instance;

/* Creates the instance; with MLAVK_VALIDATE=1 in the environment also the validation layer and a messenger
 * that prints each message and counts warnings and errors. */
mlavk_status vk_instance_create(vk_instance **out);
void vk_instance_destroy(vk_instance *instance);

/* Chooses a device: selector NULL means $MLAVK_DEVICE, then discrete > integrated > virtual > CPU.
 * A selector of digits is an index; anything else a case-insensitive substring of the name. */
mlavk_status vk_instance_choose(const vk_instance *instance, const char *selector, uint32_t *index);

/* Validation messages of severity warning or error seen by this process. */
uint32_t vk_validation_message_count(void);

typedef struct vk_memory vk_memory;

typedef struct vk_context {
    vk_instance *instance;
    VkPhysicalDevice physical_device;
    vk_device_info info;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkPipelineCache pipeline_cache;
    char pipeline_cache_path[512];
    VkCommandPool command_pool;
    vk_memory *memory;
} vk_context;

mlavk_status vk_context_create(const char *device_selector, vk_context **out);
/* Saves the pipeline cache and releases everything, the instance included. */
void vk_context_destroy(vk_context *ctx);

#endif
