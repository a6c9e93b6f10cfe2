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

/* ---- Tokenizer --------------------------------------------------------------------------------------- */

/* DeepSeek's byte-level BPE tokenizer, exact to Hugging Face's. Encoding uses a cache inside the tokenizer:
 * use one tokenizer from one thread at a time. */
typedef struct mlavk_tokenizer mlavk_tokenizer;

/* Loads a Hugging Face tokenizer.json. tokenizer_config_json gives BOS/EOS and add_bos_token; NULL reads
 * tokenizer_config.json beside tokenizer_json when there is one (without it: no BOS, no EOS). */
mlavk_status mlavk_tokenizer_load_json(const char *tokenizer_json, const char *tokenizer_config_json,
                                       mlavk_tokenizer **tokenizer);
void mlavk_tokenizer_free(mlavk_tokenizer *tokenizer);

uint32_t mlavk_tokenizer_vocab_size(const mlavk_tokenizer *tokenizer); /* the id space: largest id + 1 */
int32_t mlavk_tokenizer_bos(const mlavk_tokenizer *tokenizer);         /* -1 when none */
int32_t mlavk_tokenizer_eos(const mlavk_tokenizer *tokenizer);         /* -1 when none */
int mlavk_tokenizer_adds_bos(const mlavk_tokenizer *tokenizer);        /* add_bos_token */
int mlavk_token_is_special(const mlavk_tokenizer *tokenizer, int32_t id);

#define MLAVK_BOS_DEFAULT (-1) /* for add_bos: follow the tokenizer's add_bos_token */

/* Text to ids (free *ids with free()). Special and added tokens written in the text are recognised (as HF
 * does by default). Invalid UTF-8 is first repaired: each maximal invalid subsequence becomes U+FFFD, as
 * Python's bytes.decode(errors="replace") and WHATWG do. add_bos: 0, 1 or MLAVK_BOS_DEFAULT. */
mlavk_status mlavk_tokenize(mlavk_tokenizer *tokenizer, const char *text, size_t length, int add_bos,
                            int32_t **ids, size_t *count);

/* Ids to text (NUL-terminated, free with free()); special tokens become their text. Bytes that do not form
 * valid UTF-8 become U+FFFD, as HF's decode does. */
mlavk_status mlavk_detokenize(const mlavk_tokenizer *tokenizer, const int32_t *ids, size_t count, char **text,
                              size_t *length);

/* The raw bytes one token stands for (possibly part of a UTF-8 character); owned by the tokenizer. */
mlavk_status mlavk_token_bytes(const mlavk_tokenizer *tokenizer, int32_t id, const char **bytes, size_t *length);

/* Streaming decode for generation: feed one id at a time and get the text that is complete so far; the bytes
 * of an unfinished UTF-8 character are held back until a later token completes it. *text stays valid until
 * the next call. finish returns what is still held (as U+FFFD). */
typedef struct mlavk_detokenizer mlavk_detokenizer;
mlavk_status mlavk_detokenizer_create(const mlavk_tokenizer *tokenizer, mlavk_detokenizer **detokenizer);
mlavk_status mlavk_detokenizer_feed(mlavk_detokenizer *detokenizer, int32_t id, const char **text, size_t *length);
mlavk_status mlavk_detokenizer_finish(mlavk_detokenizer *detokenizer, const char **text, size_t *length);
void mlavk_detokenizer_free(mlavk_detokenizer *detokenizer);

/* Chat templates of tokenizer_config.json, rendered in C (no tool calls). */
typedef enum mlavk_chat_template {
    MLAVK_CHAT_DEEPSEEK_V3, /* <｜begin▁of▁sentence｜>{system}<｜User｜>{u}<｜Assistant｜>{a}<｜end▁of▁sentence｜> */
    MLAVK_CHAT_DEEPSEEK_V2, /* <｜begin▁of▁sentence｜>{system}\n\nUser: {u}\n\nAssistant: {a}<｜end▁of▁sentence｜> */
} mlavk_chat_template;

typedef struct mlavk_chat_message {
    const char *role; /* "system", "user" or "assistant" */
    const char *content;
} mlavk_chat_message;

/* Renders the conversation (BOS included: tokenize the result with add_bos 0). add_generation_prompt appends
 * the assistant prefix. *text is NUL-terminated; free it with free(). */
mlavk_status mlavk_chat_render(const mlavk_tokenizer *tokenizer, mlavk_chat_template style,
                               const mlavk_chat_message *messages, size_t count, int add_generation_prompt,
                               char **text, size_t *length);

#ifdef __cplusplus
}
#endif
#endif
