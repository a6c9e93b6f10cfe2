/* The engine's insides, shared by its files (engine.c: its own sequence; engine_batch.c: many in one cache). */
#ifndef MLAVK_ENGINE_INTERNAL_H
#define MLAVK_ENGINE_INTERNAL_H

#include <stdbool.h>

#include "formats/model_files.h"
#include "mlavk.h"
#include "model/model.h"

#define MAX_PROFILED_OPS 64

/* One sequence: a paged cache of one slot (model_cache) and scratch (model_state), with the recordings that read
 * them. */
typedef struct engine_seq {
    model_state *state;
    model_cache *cache;
    vk_recording *decode;          /* one token, recorded once and submitted for every step */
    uint32_t decode_splits;        /* the attention splits it was recorded with (they grow with the context) */
    vk_recording *batch;           /* re-recorded for each prompt chunk */
    bool decode_recorded;
} engine_seq;

struct mlavk_engine {
    vk_context *ctx;
    ops *ops;
    model_files *files;
    mlavk_tokenizer *tokenizer;
    model *model;
    engine_seq main;               /* the sequence of mlavk_engine_eval and mlavk_engine_generate */
    uint32_t n_ctx;
    ops_cache_type cache_type;
    model_prefill_attention prefill;
    bool profile;
    uint32_t batch_size;
    char model_path[512];
    mlavk_op_profile profile_ops[MAX_PROFILED_OPS];
    uint32_t profile_count;
    mlavk_trace_event *trace;
    uint32_t trace_count, trace_capacity;
};

#endif
