/* mlavk: DeepSeek-style LLM inference on Vulkan compute. The only header the CLI, the server and the demo use. */
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
    MLAVK_ERR_CACHE_FULL,         /* the cache shared by a batch's sequences has no room left */
    MLAVK_STATUS_COUNT
} mlavk_status;

/* A short fixed description of the status code ("corrupt or invalid file"). */
const char *mlavk_status_string(mlavk_status status);

/* The detailed one-line message of the last error raised on this thread, naming the file or object and the
 * problem ("model.gguf: tensor 'blk.0.attn_q.weight' data runs past the end of the file"). Empty if none. */
const char *mlavk_last_error(void);

/* ---- Sampling ---------------------------------------------------------------------------------------- */

/* Applied in this order: repetition penalty, frequency and presence penalties, top-k, temperature, top-p, min-p;
 * then a draw. temperature <= 0 means greedy (the highest logit, lowest id on ties). The same seed gives the same
 * tokens. */
typedef struct mlavk_sampling {
    float temperature;      /* 0.8 by default; <= 0: greedy */
    int32_t top_k;          /* keep the k most likely tokens; <= 0: all */
    float top_p;            /* keep the smallest set whose probability reaches p; >= 1: all */
    float min_p;            /* drop tokens below min_p x the most likely one's probability; <= 0: none */
    float repeat_penalty;   /* > 1 penalises tokens seen in the last repeat_last_n; 1: off */
    int32_t repeat_last_n;
    /* OpenAI's: the logit of a token sampled c times so far (this sampler's draws, not the prompt) loses
     * c x frequency_penalty + (c > 0) x presence_penalty; 0: off */
    float frequency_penalty;
    float presence_penalty;
    uint64_t seed;
} mlavk_sampling;

/* The defaults above (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05, repeat_penalty 1.0 over 64, no
 * frequency or presence penalty, seed 0). */
mlavk_sampling mlavk_sampling_defaults(void);

/* ---- Engine: a model on a device, with a sequence of its own ------------------------------------------------------ */

typedef struct mlavk_engine mlavk_engine;
typedef struct mlavk_tokenizer mlavk_tokenizer;

/* How prompt batches compute attention. Absorbed: scores and outputs against the latent cache (the decode form);
 * expanded: per-head keys and values computed from the cache by matrix products, then ordinary attention. The
 * expanded form has fewer operations for large batches (its cost grows with the cached tokens, the absorbed
 * form's with cached tokens x batch x r_kv). Decode always uses the absorbed form. */
typedef enum mlavk_prefill_attention {
    MLAVK_PREFILL_AUTO = 0,     /* per batch, the form with fewer operations */
    MLAVK_PREFILL_ABSORBED,
    MLAVK_PREFILL_EXPANDED,     /* where its scratch fits (a few hundred MiB at most), else absorbed */
} mlavk_prefill_attention;

typedef struct mlavk_engine_params {
    const char *model_path;     /* GGUF file or Hugging Face directory; NULL: the built-in default model */
    const char *device;         /* index or name substring; NULL: $MLAVK_DEVICE, then the best device */
    uint32_t n_ctx;             /* context length; 0: the model's, at most 4096 */
    uint32_t batch;             /* prompt tokens per forward pass; 0: 64 */
    int kv_f32;                 /* keep the latent cache in F32 instead of F16 */
    mlavk_prefill_attention prefill_attention;
    int profile;                /* time every op of every step (mlavk_engine_profile) */
    void (*progress)(double fraction, void *user); /* weight upload progress, may be NULL */
    void *progress_user;
} mlavk_engine_params;

mlavk_status mlavk_engine_create(const mlavk_engine_params *params, mlavk_engine **out);
void mlavk_engine_free(mlavk_engine *engine);

/* The model file the built-in default resolves to ($MLAVK_DEFAULT_MODEL, or models/ beside the program). */
const char *mlavk_default_model_path(void);

typedef struct mlavk_engine_info {
    char device[256];
    char model_path[512];
    uint32_t n_vocab, n_ctx, n_layer, n_head, n_embd;
    uint32_t n_expert, n_expert_used;
    int32_t bos_token, eos_token;       /* -1 when the model has none */
    uint64_t weight_bytes;              /* device memory held by the weights */
    uint64_t parameters;                /* total parameter count */
    uint64_t kv_bytes_per_token;        /* the latent cache: L x (r_kv + d_r) x element size */
    uint64_t mha_kv_bytes_per_token;    /* what an MHA cache of the same model would need in F16 */
} mlavk_engine_info;

void mlavk_engine_get_info(const mlavk_engine *engine, mlavk_engine_info *info);

/* The experts the last evaluated token chose: n_layer x n_expert_used ids, row l for layer l; dense layers'
 * rows hold -1. Valid until the next evaluation. */
const int32_t *mlavk_engine_expert_choices(const mlavk_engine *engine);

/* The model's tokenizer, owned by the engine. */
mlavk_tokenizer *mlavk_engine_tokenizer(mlavk_engine *engine);

/* Runs tokens through the model after those already in the cache. logits receives n_vocab floats for the last
 * token, or n x n_vocab (every token) when all_logits; it may be NULL. Fails with MLAVK_ERR_CONTEXT_FULL,
 * changing nothing, when the tokens do not fit. one_by_one evaluates the tokens as single-token steps. */
mlavk_status mlavk_engine_eval(mlavk_engine *engine, const int32_t *tokens, uint32_t n, int all_logits,
                               int one_by_one, float *logits);

/* Tokens in the cache; forgetting them starts a new sequence. */
uint32_t mlavk_engine_n_past(const mlavk_engine *engine);
void mlavk_engine_reset(mlavk_engine *engine);

typedef struct mlavk_stats {
    uint32_t prompt_tokens;
    double prompt_seconds;
    uint32_t generated_tokens;
    double generation_seconds;
    uint32_t n_past, n_ctx;             /* cache use in tokens */
    uint64_t kv_bytes_used, kv_bytes_total;
    uint64_t mha_kv_bytes_used;         /* an MHA cache holding the same tokens */
} mlavk_stats;

/* Called for each generated token; return non-zero to stop. */
typedef int (*mlavk_token_fn)(int32_t token, void *user);

/* Evaluates the prompt, then samples up to n_predict tokens (stopping at end-of-sequence), calling on_token for
 * each. stats may be NULL. */
mlavk_status mlavk_engine_generate(mlavk_engine *engine, const int32_t *prompt, uint32_t n_prompt,
                                   uint32_t n_predict, const mlavk_sampling *sampling, mlavk_token_fn on_token,
                                   void *user, mlavk_stats *stats);

/* Per-op GPU time of the last evaluation step (with params.profile), in order of first appearance, with the
 * bytes moved and floating-point operations done as the ops estimate them. */
typedef struct mlavk_op_profile {
    const char *op;
    uint32_t calls;
    double ms;
    double bytes;
    double flops;
} mlavk_op_profile;

uint32_t mlavk_engine_profile(const mlavk_engine *engine, const mlavk_op_profile **ops);

/* Every timed command of the last evaluation step, in order (for a Chrome trace). */
typedef struct mlavk_trace_event {
    const char *op;
    double start_ms, ms;
} mlavk_trace_event;

uint32_t mlavk_engine_trace(const mlavk_engine *engine, const mlavk_trace_event **events);

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

/* ---- Model files ---------------------------------------------------------------------------------------- */

#define MLAVK_MAX_TENSOR_TYPES 24

/* What `mlavk info` shows: the hyperparameters (symbols of docs: D, L, H, r_q, r_kv, d_n, d_r, d_v, E, k, S,
 * F, F_e, n_dense, G, G_k) and the memory a run needs. */
#define MLAVK_MAX_MODEL_NOTES 10
typedef struct mlavk_model_info {
    char format[32];                  /* "GGUF v3", "safetensors" */
    char architecture[64];
    char family[64];                  /* the family recognised: "DeepSeek V3", "GLM-4.7-Flash", ... or
                                         "deepseek2 (unrecognised family)" */
    char family_evidence[96];         /* what it was recognised by */
    /* The rules the file needed, one line each: inferred defaults, skipped MTP blocks, tied embeddings, ... */
    uint32_t n_notes;
    char notes[MLAVK_MAX_MODEL_NOTES][200];
    char file_type[32];               /* GGUF general.file_type as llama-quantize's preset name, or "" */
    uint32_t n_embd, n_layer, n_head, q_lora_rank, kv_lora_rank;
    uint32_t qk_nope_head_dim, qk_rope_head_dim, v_head_dim;
    uint32_t n_expert, n_expert_used, n_expert_shared, n_ff, n_ff_exp, n_dense_lead, n_group, n_group_used;
    const char *gating;               /* "softmax" or "sigmoid" */
    int expert_weights_norm;
    float expert_weights_scale, rms_norm_eps;
    uint32_t n_vocab, n_ctx_train, n_nextn_layers;
    uint32_t n_block_count;           /* blocks in the file: n_layer + n_nextn_layers */
    int tied_embeddings;              /* the output projection reads token_embd */
    float attn_temp_scale;            /* attention temperature s (0: none) and length n */
    uint32_t attn_temp_length;
    float rope_freq_base;
    int rope_yarn;
    float rope_scaling_factor;
    uint32_t rope_orig_ctx;
    float yarn_beta_fast, yarn_beta_slow, yarn_mscale, yarn_mscale_all_dim;
    int64_t bos_token_id, eos_token_id; /* -1 when unknown */
    const char *kv_b_form;            /* "attn_kv_b" (split at load) or "attn_k_b + attn_v_b" */
    uint32_t n_tensors;
    uint32_t n_types;
    struct {
        char name[16];                /* ggml type name */
        uint32_t count;               /* tensors of this type */
        uint64_t elements, bytes;     /* their weights and their bytes in the file */
    } types[MLAVK_MAX_TENSOR_TYPES];
    uint64_t tensor_bytes;            /* all tensors' bytes in the file (as the types hold them), MTP blocks aside */
    uint32_t n_mtp_tensors;           /* tensors of the MTP blocks: counted in none of the figures, never uploaded */
    uint64_t mtp_bytes;
    uint32_t n_fp8_tensors;           /* HF FP8 E4M3 tensors, dequantized to bf16 at load */
    uint64_t file_bytes;
    uint64_t params_total;
    /* Per token: every weight except token_embd (a row lookup, unless tied embeddings make it the output
     * projection) and the routed experts, plus k/E of those. */
    uint64_t params_active;
    uint64_t weight_device_bytes;     /* each tensor rounded up to the 256-byte binding alignment */
    uint64_t key_expansion_bytes;     /* of which F32 copies of W_UK for the expanded prefill form */
    uint32_t n_ctx;
    uint64_t kv_bytes_per_token;      /* L * (r_kv + d_r) * 2 (f16 latent cache) */
    uint64_t kv_bytes;                /* for n_ctx tokens */
    uint64_t mha_kv_bytes_per_token;  /* L * H * (d_n + d_r + d_v) * 2: an MHA cache of the same shape */
    uint64_t mha_kv_bytes;
    /* Decode scratch in f32: 4 * (2D + r_q + H(d_n+d_r) + (r_kv+d_r) + 2 H r_kv + H d_v + H n_ctx + E
     *                               + 3 max(F, S F_e, k F_e) + vocab). */
    uint64_t scratch_bytes;
} mlavk_model_info;

/* Reads a GGUF file or an HF checkpoint directory and describes it for a context of n_ctx tokens (0: the
 * model's context length). Fails, naming the file and the problem, on malformed files, missing or misshapen
 * tensors, and tensor types the GPU kernels cannot run (naming the tensor and the type). */
mlavk_status mlavk_model_info_load(const char *path, uint32_t n_ctx, mlavk_model_info *out);

/* ---- GQA to MLA conversion (mlavk transmla) ----------------------------------------------------------- */

typedef struct mlavk_transmla_params {
    const char *model_path;     /* a llama/qwen2 GGUF file (or an HF Llama/Qwen2 directory: refused, no tokenizer) */
    const char *output_path;    /* the deepseek2 GGUF to write (through a temporary file beside it) */
    uint32_t rope_dim;          /* 0: 64 */
    uint32_t kv_rank;           /* 0: 512 */
    uint32_t freqfold;          /* 0: the smallest that holds rope_dim */
    int freqfold_auto;          /* from the smallest, doubled while the calibration perplexity of the partial-RoPE
                                 * model improves (needs calib_path) */
    int exact;                  /* RoPE on every rotated dimension, full rank: the GQA model's logits */
    const char *calib_path;     /* calibration text; NULL: the weights' own moments (white-noise input) */
    /* stage "calibrating" or "converting", layers done of total; may be NULL */
    void (*progress)(const char *stage, uint32_t done, uint32_t total, void *user);
    void *progress_user;
} mlavk_transmla_params;

typedef struct mlavk_transmla_result {
    uint32_t rope_dim, kv_rank, freqfold;
    uint32_t calib_tokens;          /* tokens the calibration forward ran over (0: none) */
    double partial_rope_perplexity; /* of the partial-RoPE model (full rank) on the calibration text (0: none) */
    uint32_t n_auto;                /* freqfold_auto: the freqfolds tried and their perplexities */
    uint32_t auto_freqfold[16];
    double auto_perplexity[16];
    uint64_t gqa_kv_bytes_per_token; /* 2 x L x n_kv x d x 2 (F16 cache) */
    uint64_t mla_kv_bytes_per_token; /* L x (kv_rank + rope_dim) x 2 (F16 latent cache) */
} mlavk_transmla_result;

/* Converts a GQA model to MLA by TransMLA (docs/TRANSMLA.md). Bad input (an architecture other than llama/qwen2,
 * sizes the options cannot fit, too short a calibration text, an unwritable output) fails with one line and leaves
 * no output file. */
mlavk_status mlavk_transmla(const mlavk_transmla_params *params, mlavk_transmla_result *result);

/* ---- Tokenizer --------------------------------------------------------------------------------------- */

/* DeepSeek's byte-level BPE tokenizer, exact to Hugging Face's. Encoding uses a cache inside the tokenizer:
 * use one tokenizer from one thread at a time. */
typedef struct mlavk_tokenizer mlavk_tokenizer;

/* Loads a Hugging Face tokenizer.json. tokenizer_config_json gives BOS/EOS and add_bos_token; NULL reads
 * tokenizer_config.json beside tokenizer_json when there is one (without it: no BOS, no EOS). */
mlavk_status mlavk_tokenizer_load_json(const char *tokenizer_json, const char *tokenizer_config_json,
                                       mlavk_tokenizer **tokenizer);
/* The tokenizer of a model: a GGUF file's tokenizer.ggml.* metadata or an HF directory's tokenizer.json. */
mlavk_status mlavk_tokenizer_load_model(const char *model_path, mlavk_tokenizer **tokenizer);
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

/* Chat templates, rendered in C exactly as their Jinja text renders conversations of system, user and assistant
 * messages (no tools, no images), each with its own default for thinking. A model's template is recognised from
 * distinctive parts of its own Jinja text (see mlavk_chat_template_of); the tests compare every family with
 * Jinja2's renderings of the templates in tests/data/chat_templates. */
typedef enum mlavk_chat_template {
    MLAVK_CHAT_DEEPSEEK_V3,      /* <｜begin▁of▁sentence｜>{systems}<｜User｜>{u}<｜Assistant｜>{a}<｜end▁of▁sentence｜> */
    MLAVK_CHAT_DEEPSEEK_V2,      /* <｜begin▁of▁sentence｜>{system}\n\nUser: {u}\n\nAssistant: {a}<｜end▁of▁sentence｜> */
    MLAVK_CHAT_DEEPSEEK_R1,      /* V3's, last system only, reasoning cut from replies, prompt ends <think>\n */
    MLAVK_CHAT_DEEPSEEK_V3_1,    /* thinking off: <｜Assistant｜></think> (or <think></think>) before replies */
    MLAVK_CHAT_DEEPSEEK_V3_2,    /* thinking off: replies open </think>, the prompt ends <think></think> */
    MLAVK_CHAT_GLM_4_6,          /* [gMASK]<sop><|system|>\n{s}<|user|>\n{u}<|assistant|>\n<think></think>\n{a} */
    MLAVK_CHAT_GLM_4_7,          /* [gMASK]<sop><|system|>{s}<|user|>{u}<|assistant|></think>{a}; prompt <think> */
    MLAVK_CHAT_KIMI_K2,          /* <|im_user|>user<|im_middle|>{u}<|im_end|>, default system prompt */
    MLAVK_CHAT_KIMI_K2_THINKING, /* K2's with <think></think> before each reply */
    MLAVK_CHAT_GIGACHAT3,        /* {role}<|role_sep|>\n{text}<|message_sep|>\n\n after a developer system text */
    MLAVK_CHAT_MISTRAL_3,        /* <s>[SYSTEM_PROMPT]{s}[/SYSTEM_PROMPT][INST]{u}[/INST]{a}</s> (Ministral 3 2512) */
    MLAVK_CHAT_TEMPLATE_COUNT
} mlavk_chat_template;

/* A short name: "deepseek-v3", "glm-4.7", "kimi-k2", "mistral-3", ...; NULL for a value outside the enum. */
const char *mlavk_chat_template_name(mlavk_chat_template style);

/* Which template a Jinja chat template is, from distinctive parts of its text (layout and the parts for tool
 * calls do not matter; a variant that would render these conversations differently is not recognised).
 * Returns 1 and sets *style, or 0. */
int mlavk_chat_template_recognise(const char *jinja, mlavk_chat_template *style);

/* The chat template of the tokenizer's model file (GGUF tokenizer.chat_template; HF chat_template.jinja, else
 * tokenizer_config.json's chat_template, its "default" one when it lists several), or NULL when it has none. */
const char *mlavk_tokenizer_chat_template(const mlavk_tokenizer *tokenizer);

/* The template the tokenizer's own chat template is. Fails with MLAVK_ERR_UNSUPPORTED and a message naming
 * the file when it has no template or one that is not recognised. */
mlavk_status mlavk_chat_template_of(const mlavk_tokenizer *tokenizer, mlavk_chat_template *style);

typedef struct mlavk_chat_message {
    const char *role; /* "system", "user" or "assistant" */
    const char *content;
} mlavk_chat_message;

/* Renders the conversation (BOS included where the template writes it: tokenize the result with add_bos 0).
 * add_generation_prompt appends what opens the assistant's reply. Kimi-K2, GigaChat3 and Mistral 3 take their
 * default system text from the tokenizer's own template, which must then be of that family. Fails
 * (MLAVK_ERR_INVALID_ARGUMENT) where the template itself raises an error (Mistral's role order, an empty
 * reply). *text is NUL-terminated; free it with free(). */
mlavk_status mlavk_chat_render(const mlavk_tokenizer *tokenizer, mlavk_chat_template style,
                               const mlavk_chat_message *messages, size_t count, int add_generation_prompt,
                               char **text, size_t *length);

/* One turn of a chat kept in a cache (what `mlavk chat` and the demo do each turn). Renders the conversation,
 * whose last message is the user's new one, with the generation prompt into *rendering, and tokenizes what the
 * cache lacks. evaluated: the previous turn's *rendering, whose tokens the cache holds, followed by those of
 * reply (the reply as generated) and, when stop_token >= 0, by the token that ended it; NULL for an empty
 * cache. When the rendering continues that text (and then that token), *ids are the tokens after it.
 * Otherwise the template now renders the earlier turns differently (GLM drops a reply's reasoning, or the
 * stop token is not what the template writes there): *restart is set, *ids hold the whole rendering, and the
 * cache must be emptied first (mlavk_engine_reset). Keep *rendering for the next turn; free it and *ids with
 * free(). */
mlavk_status mlavk_chat_turn(mlavk_tokenizer *tokenizer, mlavk_chat_template style,
                             const mlavk_chat_message *messages, size_t count, const char *evaluated,
                             const char *reply, int32_t stop_token, char **rendering, int32_t **ids, size_t *n_ids,
                             int *restart);

/* ---- Session: a conversation over the engine's own sequence ---------------------------------------------- */

/* Called for each generated token with the text it completes (possibly empty: an unfinished UTF-8 character
 * is held back; the end-of-sequence token has none), and last with token -1 for any text still held back.
 * Return non-zero to stop after it. */
typedef int (*mlavk_text_fn)(int32_t token, const char *text, size_t length, void *user);

/* A chat in the model's own chat template (mlavk_chat_template_of), kept in the engine's cache: each turn
 * evaluates only the tokens the cache lacks (mlavk_chat_turn). What `mlavk chat` and the demo run. */
typedef struct mlavk_session mlavk_session;

/* system may be NULL. Fails with MLAVK_ERR_UNSUPPORTED, naming the file, when the model has no chat template or
 * one mlavk does not render. Empties the engine's cache. */
mlavk_status mlavk_session_create(mlavk_engine *engine, const char *system, mlavk_session **out);
void mlavk_session_free(mlavk_session *session);
mlavk_chat_template mlavk_session_template(const mlavk_session *session);

/* One turn: the user's message, then up to n_predict tokens of reply streamed through on_text (may be NULL).
 * Afterwards the conversation holds both messages (the reply as generated). A turn that fails before its
 * first token leaves the conversation as it was (and the cache too when the status is MLAVK_ERR_CONTEXT_FULL;
 * otherwise the next turn evaluates the whole conversation again). stats may be NULL. */
mlavk_status mlavk_session_turn(mlavk_session *session, const char *user_text, uint32_t n_predict,
                                const mlavk_sampling *sampling, mlavk_text_fn on_text, void *user,
                                mlavk_stats *stats);

/* The messages so far (the system message first when there is one); valid until the next turn or clear. */
size_t mlavk_session_messages(const mlavk_session *session, const mlavk_chat_message **messages);

/* The tokens the current (or last) turn evaluated before its reply: what the cache lacked. */
uint32_t mlavk_session_prompt_tokens(const mlavk_session *session);

/* Whether the last reply ended with the end-of-sequence token. */
int mlavk_session_reply_ended(const mlavk_session *session);

/* Forgets every message but the system one, and empties the cache. */
void mlavk_session_clear(mlavk_session *session);

/* ---- Batch: many sequences decoded together (the server) ------------------------------------------------ */

/* A scheduler of many sequences over one engine. Sequences join and leave between steps; each step adds a
 * chunk of waiting prompt tokens and decodes one token for every running sequence, sampling each with its own
 * parameters. The cache is a pool of pages of MLAVK_PAGE_TOKENS tokens shared by all sequences: a sequence
 * takes pages as it grows and returns them when it ends, so none reserves its whole context up front. A step
 * is one forward pass of all its tokens, submitted once. Full pages stay kept by their token content after
 * their sequence ends (until the pool needs them, least recently used first): a prompt that begins with the
 * same tokens maps them instead of computing them again. Use one batch from one thread; it uses the engine's
 * device, not its own sequence. */
typedef struct mlavk_batch mlavk_batch;

#define MLAVK_PAGE_TOKENS 64

typedef struct mlavk_batch_params {
    uint32_t max_seqs;        /* sequences running at once; 0: 4 */
    uint32_t cache_tokens;    /* the page pool, in tokens (rounded up to whole pages); 0: max_seqs x n_ctx, each
                                 context rounded up to whole pages */
    uint32_t prefill_chunk;   /* prompt tokens evaluated per step; 0: the engine's prompt batch */
} mlavk_batch_params;

mlavk_status mlavk_batch_create(mlavk_engine *engine, const mlavk_batch_params *params, mlavk_batch **out);
void mlavk_batch_free(mlavk_batch *batch);

#define MLAVK_MAX_STOP_STRINGS 16

typedef struct mlavk_seq_params {
    const int32_t *prompt;    /* copied */
    uint32_t n_prompt;
    uint32_t max_tokens;      /* generated tokens at most; 0: until the context is full */
    mlavk_sampling sampling;
    const char *const *stop;  /* generation ends where one of these strings appears in the text; copied */
    uint32_t n_stop;          /* at most MLAVK_MAX_STOP_STRINGS */
    void *user;               /* returned with every event of the sequence */
} mlavk_seq_params;

/* Queues a sequence (it runs once a slot and pages for its prompt are free) and gives its id (never 0).
 * Fails, queueing nothing, with MLAVK_ERR_CONTEXT_FULL when the prompt leaves no room in the context for a
 * token, MLAVK_ERR_CACHE_FULL when it needs more pages than the pool has, MLAVK_ERR_INVALID_ARGUMENT for an
 * empty prompt, a token outside the vocabulary or too many stop strings. */
mlavk_status mlavk_batch_submit(mlavk_batch *batch, const mlavk_seq_params *params, uint64_t *id);

/* Ends a queued or running sequence at the next step, which reports it as MLAVK_FINISH_CANCELLED and returns
 * its pages. Unknown or finished ids are ignored. */
void mlavk_batch_cancel(mlavk_batch *batch, uint64_t id);

typedef enum mlavk_finish {
    MLAVK_FINISH_NONE = 0,    /* the sequence goes on */
    MLAVK_FINISH_STOP,        /* end-of-sequence token or a stop string (whose text is not reported) */
    MLAVK_FINISH_LENGTH,      /* max_tokens, or the context is full */
    MLAVK_FINISH_CANCELLED,
    MLAVK_FINISH_ERROR,       /* see error: MLAVK_ERR_CACHE_FULL when the pool ran out of pages mid-sequence */
} mlavk_finish;

typedef struct mlavk_seq_event {
    uint64_t id;
    void *user;
    int32_t token;            /* the token generated this step, or -1 (an event that only finishes) */
    const char *text;         /* text now final (held back while it may begin a stop string); valid until the
                                 next step */
    size_t length;
    mlavk_finish finish;
    mlavk_status error;       /* with MLAVK_FINISH_ERROR */
    uint32_t prompt_tokens;
    uint32_t generated_tokens; /* so far, the end-of-sequence token not counted */
} mlavk_seq_event;

/* One step. *events (valid until the next step or free) has one entry per sequence that generated a token or
 * finished. Returns at once with no events when nothing is queued or running. A failure of the device ends
 * every sequence with MLAVK_FINISH_ERROR and is returned. */
mlavk_status mlavk_batch_step(mlavk_batch *batch, const mlavk_seq_event **events, uint32_t *count);

typedef struct mlavk_batch_stats {
    uint32_t max_seqs, running, queued;
    uint32_t page_tokens;
    uint32_t pages_total, pages_used, pages_free; /* used: held by sequences; free: unused, or kept for prefix
                                                      reuse and held by no sequence (evicted when needed) */
    uint64_t cache_tokens_used;     /* tokens the running sequences hold */
    uint64_t cache_tokens_free;     /* pages_free x page_tokens */
    uint64_t prefix_hit_tokens;     /* prompt tokens found already cached (kept full pages) and not computed */
    uint64_t steps;                 /* steps that decoded or evaluated anything */
    uint64_t prompt_tokens, generated_tokens; /* evaluated and generated since creation */
} mlavk_batch_stats;

void mlavk_batch_get_stats(const mlavk_batch *batch, mlavk_batch_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
