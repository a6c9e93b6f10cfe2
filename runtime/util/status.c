#include "util/status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

static const char *const status_strings[MLAVK_STATUS_COUNT] = {
    [MLAVK_OK] = "ok",
    [MLAVK_ERR_INVALID_ARGUMENT] = "invalid argument",
    [MLAVK_ERR_IO] = "input/output error",
    [MLAVK_ERR_FORMAT] = "corrupt or invalid file",
    [MLAVK_ERR_UNSUPPORTED] = "unsupported",
    [MLAVK_ERR_OUT_OF_HOST_MEMORY] = "out of host memory",
    [MLAVK_ERR_OUT_OF_DEVICE_MEMORY] = "out of device memory",
    [MLAVK_ERR_NO_VULKAN] = "Vulkan is not available",
    [MLAVK_ERR_NO_DEVICE] = "no suitable Vulkan device",
    [MLAVK_ERR_DEVICE_LOST] = "Vulkan device lost",
    [MLAVK_ERR_VULKAN] = "Vulkan error",
    [MLAVK_ERR_CONTEXT_FULL] = "context is full",
    [MLAVK_ERR_CACHE_FULL] = "cache is exhausted",
};

const char *mlavk_status_string(mlavk_status status)
{
    if ((unsigned)status >= MLAVK_STATUS_COUNT)
        return "unknown status";
    return status_strings[status];
}

const char *mlavk_last_error(void) { return last_error; }

void mlavk_clear_error(void) { last_error[0] = '\0'; }

mlavk_status mlavk_fail(mlavk_status status, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, args);
    va_end(args);
    return status;
}
