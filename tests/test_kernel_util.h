/* Helpers shared by the kernel tests: buffers in one call, and running a check under both reduction modes. */
#ifndef MLAVK_TEST_KERNEL_UTIL_H
#define MLAVK_TEST_KERNEL_UTIL_H

#include "gpu_test.h"
#include "ops/ops.h"
#include "test_util.h"

/* A device buffer holding bytes of data, padded with zeros to whole 32-bit words. */
vk_buffer kt_upload(vk_context *ctx, const void *data, size_t bytes);
/* A device buffer of n floats, all NaN. */
vk_buffer kt_poisoned(vk_context *ctx, size_t n);
void kt_download(vk_context *ctx, const vk_buffer *buffer, void *data, size_t bytes);

/* Records what `record` adds with this ops object, runs it and waits; fails the test on any error. */
typedef mlavk_status (*kt_record_fn)(ops *ops, vk_recording *rec, void *user);
void kt_run(vk_context *ctx, ops *ops, kt_record_fn record, void *user);

/* Calls check(ctx, ops, mode name, user) once with subgroup and once with shared-memory reductions. */
typedef void (*kt_check_fn)(vk_context *ctx, ops *ops, const char *mode, void *user);
void kt_each_reduction(vk_context *ctx, kt_check_fn check, void *user);

#endif
