/* The context reports coherent device properties, and devices can be chosen by index and by name. */
#include <stdio.h>
#include <string.h>

#include "gpu_test.h"
#include "test_util.h"

int main(void)
{
    vk_context *ctx = gpu_test_context();
    const vk_device_info *info = &ctx->info;
    CHECK(info->name[0] != '\0');
    CHECK(info->subgroup_size >= 1);
    CHECK(info->max_storage_buffer_range >= (1u << 27)); /* the Vulkan minimum is 128 MiB */
    CHECK(info->device_local_bytes > 0);
    CHECK(info->max_workgroup_invocations >= 128);
    CHECK(info->min_storage_buffer_offset_alignment >= 1);
    CHECK(ctx->queue != VK_NULL_HANDLE);

    const vk_instance *inst = ctx->instance;
    uint32_t index = 99;
    CHECK(vk_instance_choose(inst, "0", &index) == MLAVK_OK && index == 0);
    char upper[sizeof info->name];
    snprintf(upper, sizeof upper, "%s", info->name);
    for (char *c = upper; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    CHECK(vk_instance_choose(inst, upper, &index) == MLAVK_OK);
    CHECK(strcmp(inst->devices[index].name, info->name) == 0);
    CHECK(vk_instance_choose(inst, "4000000000", &index) == MLAVK_ERR_NO_DEVICE);
    CHECK(strstr(mlavk_last_error(), "out of range") != NULL);
    CHECK(vk_instance_choose(inst, "no-such-gpu", &index) == MLAVK_ERR_NO_DEVICE);
    return gpu_test_finish(ctx, "vk_context");
}
