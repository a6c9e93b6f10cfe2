/* mlavk: DeepSeek-style LLM inference on Vulkan compute. The only header the CLI and demo use. */
#ifndef MLAVK_H
#define MLAVK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MLAVK_VERSION_STRING "0.1.0"

typedef enum mlavk_status {
    MLAVK_OK = 0,
    MLAVK_ERR_INVALID_ARGUMENT,
    MLAVK_ERR_IO,                 /* a file could not be opened or read */
    MLAVK_ERR_FORMAT,             /* a file is corrupt, truncated or inconsistent */
    MLAVK_ERR_UNSUPPORTED,        /* valid input this runtime cannot run (tensor type, architecture) */
    MLAVK_ERR_OUT_OF_HOST_MEMORY,
    MLAVK_ERR_OUT_OF_DEVICE_MEMORY,
    MLAVK_ERR_NO_VULKAN,          /* no Vulkan loader or no usable instance */
    MLAVK_ERR_NO_DEVICE,          /* no device, or none matching the selection */
    MLAVK_ERR_DEVICE_LOST,
    MLAVK_ERR_VULKAN,             /* any other Vulkan failure */
    MLAVK_ERR_CONTEXT_FULL,       /* the prompt or conversation does not fit the context */
    MLAVK_STATUS_COUNT
} mlavk_status;

/* A short fixed description of the status code ("corrupt or invalid file"). */
const char *mlavk_status_string(mlavk_status status);

/* The detailed one-line message of the last error raised on this thread, naming the file or object and the
 * problem ("model.gguf: tensor 'blk.0.attn_q.weight' data runs past the end of the file"). Empty if none. */
const char *mlavk_last_error(void);

#ifdef __cplusplus
}
#endif
#endif
