#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlavk.h"
#include "util/status.h"
#include "vk/vk_device.h"

static void describe_subgroup_operations(VkSubgroupFeatureFlags ops, char *out, size_t size)
{
    static const struct {
        VkSubgroupFeatureFlags bit;
        const char *name;
    } names[] = {
        {VK_SUBGROUP_FEATURE_BASIC_BIT, "basic"},
        {VK_SUBGROUP_FEATURE_VOTE_BIT, "vote"},
        {VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic"},
        {VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot"},
        {VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle"},
        {VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT, "shuffle-relative"},
        {VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered"},
        {VK_SUBGROUP_FEATURE_QUAD_BIT, "quad"},
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((ops & names[i].bit) && used < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? " " : "", names[i].name);
}

static void to_public(const vk_device_info *in, mlavk_device_info *out)
{
    memset(out, 0, sizeof *out);
    out->index = in->index;
    snprintf(out->name, sizeof out->name, "%s", in->name);
    out->type = vk_device_type_name(in->type);
    out->vendor_id = in->vendor_id;
    out->device_id = in->device_id;
    snprintf(out->driver_name, sizeof out->driver_name, "%s", in->driver_name);
    snprintf(out->driver_info, sizeof out->driver_info, "%s", in->driver_info);
    out->driver_version = in->driver_version;
    out->api_version_major = VK_API_VERSION_MAJOR(in->api_version);
    out->api_version_minor = VK_API_VERSION_MINOR(in->api_version);
    out->api_version_patch = VK_API_VERSION_PATCH(in->api_version);
    out->device_local_bytes = in->device_local_bytes;
    out->device_local_budget = in->device_local_budget;
    out->subgroup_size = in->subgroup_size;
    out->subgroup_arithmetic = vk_device_has_subgroup_arithmetic(in);
    describe_subgroup_operations(in->subgroup_operations, out->subgroup_operations, sizeof out->subgroup_operations);
    out->shader_float16 = in->shader_float16;
    out->shader_int8 = in->shader_int8;
    out->storage_8bit = in->storage_8bit;
    out->storage_16bit = in->storage_16bit;
    out->cooperative_matrix = in->cooperative_matrix;
    out->max_storage_buffer_range = in->max_storage_buffer_range;
    out->max_allocation_size = in->max_allocation_size;
    out->timestamp_period_ns = in->timestamp_period_ns;
    out->timestamps = in->timestamps;
}

mlavk_status mlavk_list_devices(const char *selector, mlavk_device_info **devices, uint32_t *count,
                                uint32_t *chosen)
{
    *devices = NULL;
    *count = 0;
    vk_instance *inst;
    MLAVK_TRY(vk_instance_create(&inst));
    mlavk_status status = vk_instance_choose(inst, selector, chosen);
    mlavk_device_info *list = NULL;
    if (status == MLAVK_OK) {
        list = calloc(inst->device_count, sizeof *list);
        if (!list)
            status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "device list: out of memory");
    }
    if (status == MLAVK_OK) {
        for (uint32_t i = 0; i < inst->device_count; i++)
            to_public(&inst->devices[i], &list[i]);
        *devices = list;
        *count = inst->device_count;
    }
    vk_instance_destroy(inst);
    return status;
}
