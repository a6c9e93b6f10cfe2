/* The debug messenger sees validation errors: creating a zero-sized buffer is invalid usage, and the count
 * that every GPU test checks at its end must go up. */
#include "gpu_test.h"
#include "test_util.h"

int main(void)
{
    vk_context *ctx = gpu_test_context();
    CHECK_MSG(ctx->instance->validation, "this test needs MLAVK_VALIDATE=1");
    uint32_t before = vk_validation_message_count();
    VkBufferCreateInfo info = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                               .size = 0,
                               .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT};
    VkBuffer buffer = VK_NULL_HANDLE;
    vkCreateBuffer(ctx->device, &info, NULL, &buffer);
    if (buffer)
        vkDestroyBuffer(ctx->device, buffer, NULL);
    uint32_t after = vk_validation_message_count();
    CHECK_MSG(after > before, "no validation message for a zero-sized buffer");
    vk_context_destroy(ctx);
    return test_finish("vk_validation");
}
