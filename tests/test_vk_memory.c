/* Buffers sub-allocated from shared blocks never overlap, respect the binding alignment, return their space
 * when freed, and carry data to and from the device intact (mapped, or through staging when
 * MLAVK_FORCE_STAGING=1). */
#include <stdlib.h>
#include <string.h>

#include "gpu_test.h"
#include "test_util.h"

#define COUNT 40

static void check_no_overlap(const vk_buffer *b, int n, VkDeviceSize alignment)
{
    for (int i = 0; i < n; i++) {
        CHECK_MSG(b[i].offset % alignment == 0, "buffer %d offset %llu not aligned", i,
                  (unsigned long long)b[i].offset);
        for (int j = 0; j < i; j++)
            if (b[i].handle == b[j].handle)
                CHECK_MSG(b[i].offset + b[i].size <= b[j].offset || b[j].offset + b[j].size <= b[i].offset,
                          "buffers %d and %d overlap", i, j);
    }
}

static void round_trip(vk_context *ctx, test_rng *rng, VkDeviceSize bytes)
{
    unsigned char *in = malloc(bytes), *out = malloc(bytes);
    for (VkDeviceSize i = 0; i < bytes; i++)
        in[i] = (unsigned char)test_rng_u64(rng);
    memset(out, 0xA5, bytes);
    vk_buffer buffer = gpu_test_buffer(ctx, bytes);
    gpu_test_upload(ctx, &buffer, in, bytes);
    gpu_test_download(ctx, &buffer, out, bytes);
    CHECK_MSG(memcmp(in, out, bytes) == 0, "%llu bytes did not survive the round trip", (unsigned long long)bytes);
    if (bytes >= 16) { /* a partial write lands at its offset only */
        CHECK(vk_buffer_write(ctx, &buffer, 3, in + bytes / 2, bytes / 4) == MLAVK_OK);
        CHECK(vk_buffer_read(ctx, &buffer, 0, out, bytes) == MLAVK_OK);
        CHECK(memcmp(out, in, 3) == 0 && memcmp(out + 3, in + bytes / 2, bytes / 4) == 0);
    }
    CHECK(vk_buffer_write(ctx, &buffer, buffer.size, in, 1) == MLAVK_ERR_INVALID_ARGUMENT);
    vk_buffer_destroy(ctx, &buffer);
    free(in);
    free(out);
}

int main(void)
{
    vk_context *ctx = gpu_test_context();
    test_rng rng = {42};
    vk_buffer buffers[COUNT];
    VkDeviceSize alignment = ctx->info.min_storage_buffer_offset_alignment;
    for (int i = 0; i < COUNT; i++)
        CHECK(vk_buffer_create(ctx, 1 + test_rng_below(&rng, 3u << 20), VK_MEMORY_DEVICE, "t", &buffers[i]) ==
              MLAVK_OK);
    check_no_overlap(buffers, COUNT, alignment);

    vk_memory_usage usage;
    vk_memory_get_usage(ctx, &usage);
    VkDeviceSize reserved = usage.reserved;
    /* free every other buffer, then refill: the holes are reused, nothing new is reserved */
    for (int i = 0; i < COUNT; i += 2) {
        VkDeviceSize size = buffers[i].size;
        vk_buffer_destroy(ctx, &buffers[i]);
        CHECK(vk_buffer_create(ctx, size, VK_MEMORY_DEVICE, "t", &buffers[i]) == MLAVK_OK);
    }
    check_no_overlap(buffers, COUNT, alignment);
    vk_memory_get_usage(ctx, &usage);
    CHECK_MSG(usage.reserved == reserved, "refilling holes reserved more memory (%llu -> %llu)",
              (unsigned long long)reserved, (unsigned long long)usage.reserved);
    for (int i = 0; i < COUNT; i++)
        vk_buffer_destroy(ctx, &buffers[i]);
    vk_memory_get_usage(ctx, &usage);
    CHECK_MSG(usage.reserved == 0 && usage.allocated[VK_MEMORY_DEVICE] == 0, "memory still held after freeing all");

    VkDeviceSize too_big = vk_memory_max_buffer_size(ctx) + 1;
    vk_buffer none;
    CHECK(vk_buffer_create(ctx, too_big, VK_MEMORY_DEVICE, "huge tensor", &none) == MLAVK_ERR_UNSUPPORTED);
    CHECK(strstr(mlavk_last_error(), "huge tensor") != NULL);

    round_trip(ctx, &rng, 1);
    round_trip(ctx, &rng, 4099);
    round_trip(ctx, &rng, (17u << 20) + 5); /* more than one 16 MiB staging chunk */
    return gpu_test_finish(ctx, "vk_memory");
}
