#include "test_kernel_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vk_buffer kt_upload(vk_context *ctx, const void *data, size_t bytes)
{
    size_t padded = (bytes + 3) & ~(size_t)3;
    uint8_t *copy = calloc(1, padded ? padded : 4);
    if (bytes)
        memcpy(copy, data, bytes);
    vk_buffer buffer = gpu_test_buffer(ctx, padded ? padded : 4);
    gpu_test_upload(ctx, &buffer, copy, padded ? padded : 4);
    free(copy);
    return buffer;
}

vk_buffer kt_poisoned(vk_context *ctx, size_t n)
{
    float *nan = malloc(n * sizeof *nan);
    test_poison_f32(nan, n);
    vk_buffer buffer = kt_upload(ctx, nan, n * sizeof *nan);
    free(nan);
    return buffer;
}

void kt_download(vk_context *ctx, const vk_buffer *buffer, void *data, size_t bytes)
{
    gpu_test_download(ctx, buffer, data, bytes);
}

void kt_run(vk_context *ctx, ops *ops, kt_record_fn record, void *user)
{
    vk_recording *rec;
    CHECK(vk_recording_create(ctx, &rec) == MLAVK_OK);
    CHECK(vk_recording_begin(rec, false) == MLAVK_OK);
    mlavk_status status = record(ops, rec, user);
    CHECK_MSG(status == MLAVK_OK, "recording: %s", mlavk_last_error());
    status = vk_recording_end(rec);
    CHECK_MSG(status == MLAVK_OK, "recording end: %s", mlavk_last_error());
    CHECK(vk_recording_run(rec) == MLAVK_OK);
    vk_recording_destroy(rec);
}

void kt_each_reduction(vk_context *ctx, kt_check_fn check, void *user)
{
    const ops_reduction modes[2] = {OPS_REDUCTION_SUBGROUP, OPS_REDUCTION_SHARED_MEMORY};
    for (int m = 0; m < 2; m++) {
        ops_options options = {.reduction = modes[m]};
        ops *ops;
        CHECK(ops_create(ctx, &options, &ops) == MLAVK_OK);
        bool subgroup = ops_reduction_mode(ops) == OPS_REDUCTION_SUBGROUP;
        if (modes[m] == OPS_REDUCTION_SUBGROUP && !subgroup)
            printf("  (no subgroup arithmetic on this device: shared memory instead)\n");
        check(ctx, ops, subgroup ? "subgroup" : "shared", user);
        ops_destroy(ops);
    }
}
