#include "gpu_test.h"

#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

vk_context *gpu_test_context(void)
{
    vk_context *ctx;
    mlavk_status status = vk_context_create(NULL, &ctx);
    if (status != MLAVK_OK) {
        fprintf(stderr, "cannot create a Vulkan context: %s\n", mlavk_last_error());
        exit(1);
    }
    printf("device: %s\n", ctx->info.name);
    return ctx;
}

vk_buffer gpu_test_buffer(vk_context *ctx, VkDeviceSize bytes)
{
    vk_buffer buffer;
    mlavk_status status = vk_buffer_create(ctx, bytes, VK_MEMORY_DEVICE, "test", &buffer);
    if (status != MLAVK_OK) {
        fprintf(stderr, "cannot create a %llu-byte buffer: %s\n", (unsigned long long)bytes, mlavk_last_error());
        exit(1);
    }
    return buffer;
}

void gpu_test_upload(vk_context *ctx, const vk_buffer *buffer, const void *data, VkDeviceSize bytes)
{
    CHECK_MSG(vk_buffer_write(ctx, buffer, 0, data, bytes) == MLAVK_OK, "upload: %s", mlavk_last_error());
}

void gpu_test_download(vk_context *ctx, const vk_buffer *buffer, void *data, VkDeviceSize bytes)
{
    CHECK_MSG(vk_buffer_read(ctx, buffer, 0, data, bytes) == MLAVK_OK, "download: %s", mlavk_last_error());
}

int gpu_test_finish(vk_context *ctx, const char *test_name)
{
    vk_context_destroy(ctx);
    uint32_t messages = vk_validation_message_count();
    CHECK_MSG(messages == 0, "the validation layer reported %u warning(s) or error(s)", messages);
    return test_finish(test_name);
}
