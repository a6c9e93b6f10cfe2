/* The chat worker: one thread owns the engine (which is single-threaded) and runs each user turn; the UI
 * thread sends requests and copies a snapshot of the conversation and statistics, never waiting on
 * generation. */
#ifndef DEMO_CHAT_H
#define DEMO_CHAT_H

#include <stddef.h>
#include <stdint.h>

#define CHAT_MAX_OPS 48
#define CHAT_MAX_LAYERS 64
#define CHAT_MAX_EXPERTS 256
#define CHAT_HEAT_TOKENS 32 /* the expert heatmap covers this many recent tokens */

typedef enum chat_role { CHAT_USER, CHAT_MODEL } chat_role;

typedef struct chat_message {
    chat_role role;
    char *text;
    size_t length;
    int32_t *token_ids;   /* model replies: the generated tokens shown so far */
    uint32_t *token_end;  /* byte offset in text where each token's text ends */
    size_t n_tokens;
    int ended_with_eos;
} chat_message;

typedef enum chat_state { CHAT_LOADING, CHAT_IDLE, CHAT_PROMPT, CHAT_GENERATING, CHAT_FAILED } chat_state;

typedef struct chat_op {
    char name[32];
    uint32_t calls;
    double ms;
} chat_op;

/* Everything the UI draws, copied out under the lock. */
typedef struct chat_view {
    uint64_t version;              /* changes whenever anything below does */
    chat_state state;
    char error[256];               /* why the last turn or the load failed */
    double load_progress;          /* weight upload, 0 to 1, while CHAT_LOADING */
    char device[256];
    char model[512];
    uint32_t n_layer, n_expert, n_expert_used;
    uint32_t n_past, n_ctx;
    uint64_t kv_bytes_per_token, mha_kv_bytes_per_token;
    double prompt_tps, gen_tps;
    uint32_t last_prompt_tokens, last_gen_tokens;
    chat_op ops[CHAT_MAX_OPS];
    uint32_t n_ops;
    double ops_total_ms;
    /* heat[l * n_expert + e]: how often layer l chose expert e over the last heat_tokens tokens. */
    uint16_t heat[CHAT_MAX_LAYERS * CHAT_MAX_EXPERTS];
    uint32_t heat_tokens;
    uint32_t turns_done;           /* replies finished since start (script mode waits on this) */
    chat_message *messages;
    size_t n_messages;
} chat_view;

typedef struct chat_options {
    const char *model_path; /* NULL: the built-in model */
    const char *device;
    uint32_t n_ctx;
    uint32_t n_predict;
    uint64_t seed;
    float temperature;
} chat_options;

typedef struct chat chat;

/* Starts the worker, which loads the model; the view says CHAT_LOADING until it is ready. */
chat *chat_start(const chat_options *options);
/* Stops generation, joins the worker and frees the engine. */
void chat_stop_and_free(chat *c);

/* Queues a user turn; ignored (returns -1) while a turn runs or the model is not loaded. */
int chat_send(chat *c, const char *text);
/* Asks the running turn to stop after the current token. */
void chat_interrupt(chat *c);
/* Stops any turn and empties the conversation and the cache. */
void chat_new(chat *c);

/* Copies the current state into view when it changed since view->version; returns 1 if it did. */
int chat_copy_view(chat *c, chat_view *view);
void chat_view_free(chat_view *view);

#endif
