/* Helpers for tests that run on Vulkan (always with the validation layer on). */
#ifndef MLAVK_GPU_TEST_H
#define MLAVK_GPU_TEST_H

#include "vk/vk_commands.h"

/* Creates the context on the default device (MLAVK_DEVICE honoured) or exits the test with a failure. */
vk_context *gpu_test_context(void);

/* A device buffer of n floats (or bytes), created or the test fails. */
vk_buffer gpu_test_buffer(vk_context *ctx, VkDeviceSize bytes);
void gpu_test_upload(vk_context *ctx, const vk_buffer *buffer, const void *data, VkDeviceSize bytes);
void gpu_test_download(vk_context *ctx, const vk_buffer *buffer, void *data, VkDeviceSize bytes);

static inline vk_binding gpu_whole(const vk_buffer *buffer) { return (vk_binding){buffer, 0, 0}; }

/* Destroys the context, fails the test if the validation layer reported a warning or error, and returns the
 * exit code (as test_finish). */
int gpu_test_finish(vk_context *ctx, const char *test_name);

#endif
