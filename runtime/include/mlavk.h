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

/* ---- Sampling ---------------------------------------------------------------------------------------- */

/* Applied in this order: repetition penalty, top-k, temperature, top-p, min-p; then a draw. temperature <= 0
 * means greedy (the highest logit, lowest id on ties). The same seed gives the same tokens. */
typedef struct mlavk_sampling {
    float temperature;      /* 0.8 by default; <= 0: greedy */
    int32_t top_k;          /* keep the k most likely tokens; <= 0: all */
    float top_p;            /* keep the smallest set whose probability reaches p; >= 1: all */
    float min_p;            /* drop tokens below min_p x the most likely one's probability; <= 0: none */
    float repeat_penalty;   /* > 1 penalises tokens seen in the last repeat_last_n; 1: off */
    int32_t repeat_last_n;
    uint64_t seed;
} mlavk_sampling;

/* The defaults above (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, repeat_penalty 1.0 over 64, seed 0). */
mlavk_sampling mlavk_sampling_defaults(void);

/* ---- Devices ---------------------------------------------------------------------------------------- */

typedef struct mlavk_device_info {
    uint32_t index;
    char name[256];
    const char *type;                 /* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other" */
    uint32_t vendor_id, device_id;
    char driver_name[256];
    char driver_info[256];
    uint32_t driver_version;
    uint32_t api_version_major, api_version_minor, api_version_patch;
    uint64_t device_local_bytes;      /* largest device-local heap */
    uint64_t device_local_budget;     /* from VK_EXT_memory_budget; 0 when the driver does not say */
    uint32_t subgroup_size;
    int subgroup_arithmetic;          /* subgroup add/max reductions in compute shaders */
    char subgroup_operations[128];    /* "basic vote arithmetic ballot shuffle ..." */
    int shader_float16, shader_int8;
    int storage_8bit, storage_16bit;
    int cooperative_matrix;
    uint64_t max_storage_buffer_range;
    uint64_t max_allocation_size;
    float timestamp_period_ns;
    int timestamps;
} mlavk_device_info;

/* Every Vulkan device, and which one a run with this selector would use (selector: NULL for the default
 * choice, which honours $MLAVK_DEVICE; an index; or a substring of the name). Free the list with free(). */
mlavk_status mlavk_list_devices(const char *selector, mlavk_device_info **devices, uint32_t *count,
                                uint32_t *chosen);

#ifdef __cplusplus
}
#endif
#endif
