/* The public engine: a device, a model, and its own sequence (mlavk_engine_eval, mlavk_engine_generate) in a paged
 * cache of one slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_internal.h"
#include "sampler/sampler.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

#define DEFAULT_MAX_CTX 4096
#define DEFAULT_BATCH 64

const char *mlavk_default_model_path(void)
{
    const char *env = getenv("MLAVK_DEFAULT_MODEL");
    return env && env[0] ? env : MLAVK_DEFAULT_MODEL_FILE;
}

/* A sequence with the engine's context length, cache type and prompt batch. */
static mlavk_status engine_seq_create(mlavk_engine *e, engine_seq *seq)
{
    MLAVK_TRY(model_state_create(e->model, e->n_ctx, e->batch_size, e->prefill, &seq->state));
    /* one sequence: a pool of its whole context, taken page by page as it grows */
    uint32_t pages = (e->n_ctx + OPS_KV_PAGE_ROWS - 1) / OPS_KV_PAGE_ROWS;
    MLAVK_TRY(model_cache_create(e->model, pages, 1, e->n_ctx, e->cache_type, &seq->cache));
    MLAVK_TRY(vk_recording_create(e->ctx, &seq->decode));
    return vk_recording_create(e->ctx, &seq->batch);
}

static void engine_seq_free(mlavk_engine *e, engine_seq *seq)
{
    vk_recording_destroy(seq->decode);
    vk_recording_destroy(seq->batch);
    if (seq->state)
        model_state_free(e->model, seq->state);
    if (seq->cache)
        model_cache_free(e->model, seq->cache);
    *seq = (engine_seq){0};
}

static mlavk_status create_device_side(mlavk_engine *e, const mlavk_engine_params *p)
{
    MLAVK_TRY(vk_context_create(p->device, &e->ctx));
    MLAVK_TRY(ops_create(e->ctx, NULL, &e->ops));
    MLAVK_TRY(model_load(e->ctx, e->ops, e->files, e->model_path, p->progress, p->progress_user, &e->model));
    e->n_ctx = p->n_ctx;
    if (e->n_ctx == 0) {
        e->n_ctx = e->files->config.n_ctx_train;
        if (e->n_ctx == 0 || e->n_ctx > DEFAULT_MAX_CTX)
            e->n_ctx = DEFAULT_MAX_CTX;
    }
    e->batch_size = p->batch ? p->batch : DEFAULT_BATCH;
    static const model_prefill_attention prefill[] = {[MLAVK_PREFILL_AUTO] = MODEL_PREFILL_AUTO,
                                                      [MLAVK_PREFILL_ABSORBED] = MODEL_PREFILL_ABSORBED,
                                                      [MLAVK_PREFILL_EXPANDED] = MODEL_PREFILL_EXPANDED};
    if ((unsigned)p->prefill_attention >= sizeof prefill / sizeof prefill[0])
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "engine: unknown prefill attention %d", (int)p->prefill_attention);
    e->prefill = prefill[p->prefill_attention];
    e->cache_type = p->kv_f32 ? OPS_CACHE_F32 : OPS_CACHE_F16;
    return engine_seq_create(e, &e->main);
}

mlavk_status mlavk_engine_create(const mlavk_engine_params *p, mlavk_engine **out)
{
    *out = NULL;
    mlavk_engine *e = calloc(1, sizeof *e);
    if (!e)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "engine: out of memory");
    snprintf(e->model_path, sizeof e->model_path, "%s", p->model_path ? p->model_path : mlavk_default_model_path());
    e->profile = p->profile != 0;
    mlavk_status status = model_files_open(e->model_path, true, &e->files);
    if (status == MLAVK_OK)
        status = tok_load_model_files(e->files, e->model_path, &e->tokenizer);
    if (status == MLAVK_OK)
        status = create_device_side(e, p);
    if (status != MLAVK_OK) {
        mlavk_engine_free(e);
        return status;
    }
    *out = e;
    return MLAVK_OK;
}

void mlavk_engine_free(mlavk_engine *e)
{
    if (!e)
        return;
    free(e->trace);
    engine_seq_free(e, &e->main);
    model_free(e->model);
    ops_destroy(e->ops);
    mlavk_tokenizer_free(e->tokenizer);
    model_files_close(e->files);
    vk_context_destroy(e->ctx);
    free(e);
}

void mlavk_engine_get_info(const mlavk_engine *e, mlavk_engine_info *info)
{
    const deepseek_config *c = &e->model->config;
    memset(info, 0, sizeof *info);
    snprintf(info->device, sizeof info->device, "%s", e->ctx->info.name);
    snprintf(info->model_path, sizeof info->model_path, "%s", e->model_path);
    info->n_vocab = c->n_vocab;
    info->n_ctx = e->n_ctx;
    info->n_layer = c->n_layer;
    info->n_head = c->n_head;
    info->n_embd = c->n_embd;
    info->n_expert = c->n_expert;
    info->n_expert_used = c->n_expert_used;
    info->bos_token = (int32_t)c->bos_token_id;
    info->eos_token = (int32_t)c->eos_token_id;
    info->weight_bytes = e->model->weights.device_bytes;
    for (uint32_t i = 0; i < tensor_sources_count(e->files->sources); i++)
        info->parameters += tensor_sources_at(e->files->sources, i)->n_elements;
    info->kv_bytes_per_token = model_kv_bytes_per_token(c, e->cache_type);
    info->mha_kv_bytes_per_token =
        (uint64_t)c->n_layer * c->n_head * (c->qk_nope_head_dim + c->qk_rope_head_dim + c->v_head_dim) * 2;
}

mlavk_tokenizer *mlavk_engine_tokenizer(mlavk_engine *e) { return e->tokenizer; }

const int32_t *mlavk_engine_expert_choices(const mlavk_engine *e) { return e->main.state->expert_ids_host.mapped; }

uint32_t mlavk_engine_n_past(const mlavk_engine *e) { return e->main.cache->lengths[0]; }

void mlavk_engine_reset(mlavk_engine *e) { model_cache_release(e->main.cache, 0); }

static void keep_trace(mlavk_engine *e, const vk_timing *timings, uint32_t n)
{
    if (n > e->trace_capacity) {
        mlavk_trace_event *grown = realloc(e->trace, n * sizeof *grown);
        if (!grown)
            return;
        e->trace = grown;
        e->trace_capacity = n;
    }
    for (uint32_t i = 0; i < n; i++)
        e->trace[i] = (mlavk_trace_event){timings[i].label, timings[i].start_ms, timings[i].ms};
    e->trace_count = n;
}

/* Sums the timestamps of a profiled step per op name. */
static void collect_profile(mlavk_engine *e, vk_recording *rec)
{
    const vk_timing *timings;
    uint32_t n = vk_recording_timings(rec, &timings);
    keep_trace(e, timings, n);
    e->profile_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = 0;
        while (j < e->profile_count && strcmp(e->profile_ops[j].op, timings[i].label) != 0)
            j++;
        if (j == e->profile_count) {
            if (j == MAX_PROFILED_OPS)
                continue;
            e->profile_ops[e->profile_count++] = (mlavk_op_profile){.op = timings[i].label};
        }
        e->profile_ops[j].calls++;
        e->profile_ops[j].ms += timings[i].ms;
        e->profile_ops[j].bytes += timings[i].bytes;
        e->profile_ops[j].flops += timings[i].flops;
    }
}

uint32_t mlavk_engine_profile(const mlavk_engine *e, const mlavk_op_profile **ops)
{
    *ops = e->profile_ops;
    return e->profile_count;
}

uint32_t mlavk_engine_trace(const mlavk_engine *e, const mlavk_trace_event **events)
{
    *events = e->trace;
    return e->trace_count;
}

/* Runs n (<= batch_size) tokens after those in seq's cache, which must have room for them; the logits of the
 * last (or every) token land in seq->state->logits_host. */
static mlavk_status engine_seq_step(mlavk_engine *e, engine_seq *seq, const int32_t *tokens, uint32_t n,
                                    bool all_logits)
{
    model_batch batch = {.logits = all_logits ? MODEL_LOGITS_ALL : MODEL_LOGITS_LAST};
    MLAVK_TRY(model_batch_add(seq->state, seq->cache, &batch, 0, tokens, n));
    vk_recording *rec = seq->decode;
    uint32_t splits = model_attention_splits(seq->state, &batch);
    if (n > 1 || !seq->decode_recorded || splits != seq->decode_splits) {
        rec = n > 1 ? seq->batch : seq->decode;
        MLAVK_TRY(vk_recording_begin(rec, e->profile));
        MLAVK_TRY(model_record_forward(e->model, seq->state, seq->cache, rec, &batch));
        MLAVK_TRY(vk_recording_end(rec));
        if (n == 1) {
            seq->decode_recorded = true;
            seq->decode_splits = splits;
        }
    }
    MLAVK_TRY(vk_recording_run(rec));
    if (e->profile)
        collect_profile(e, rec);
    return MLAVK_OK;
}

mlavk_status mlavk_engine_eval(mlavk_engine *e, const int32_t *tokens, uint32_t n, int all_logits, int one_by_one,
                               float *logits)
{
    model_state *s = e->main.state;
    const uint32_t vocab = e->model->config.n_vocab;
    if (n > model_cache_room(e->main.cache, 0))
        return mlavk_fail(MLAVK_ERR_CONTEXT_FULL,
                          "%u tokens do not fit in the context: %u of %u positions are already used", n,
                          e->main.cache->lengths[0], e->n_ctx);
    for (uint32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= vocab)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "token id %d is outside the vocabulary of %u", tokens[i],
                              vocab);
    for (uint32_t done = 0; done < n;) {
        uint32_t chunk = one_by_one ? 1 : (n - done < e->batch_size ? n - done : e->batch_size);
        MLAVK_TRY(engine_seq_step(e, &e->main, tokens + done, chunk, all_logits != 0));
        const float *rows = s->logits_host.mapped;
        if (logits && all_logits)
            memcpy(logits + (size_t)done * vocab, rows, (size_t)chunk * vocab * sizeof *logits);
        else if (logits && done + chunk == n)
            memcpy(logits, rows, (size_t)vocab * sizeof *logits);
        done += chunk;
    }
    return MLAVK_OK;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void fill_stats(const mlavk_engine *e, mlavk_stats *stats)
{
    mlavk_engine_info info;
    mlavk_engine_get_info(e, &info);
    stats->n_past = e->main.cache->lengths[0];
    stats->n_ctx = e->n_ctx;
    stats->kv_bytes_used = (uint64_t)stats->n_past * info.kv_bytes_per_token;
    stats->kv_bytes_total = (uint64_t)stats->n_ctx * info.kv_bytes_per_token;
    stats->mha_kv_bytes_used = (uint64_t)stats->n_past * info.mha_kv_bytes_per_token;
}

mlavk_status mlavk_engine_generate(mlavk_engine *e, const int32_t *prompt, uint32_t n_prompt, uint32_t n_predict,
                                   const mlavk_sampling *sampling, mlavk_token_fn on_token, void *user,
                                   mlavk_stats *stats)
{
    mlavk_stats local = {0};
    stats = stats ? stats : &local;
    memset(stats, 0, sizeof *stats);
    const uint32_t vocab = e->model->config.n_vocab;
    float *logits = malloc((size_t)vocab * sizeof *logits);
    sampler *smp = NULL;
    mlavk_status status = logits ? sampler_create(sampling, vocab, &smp)
                                 : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "generate: out of memory");
    for (uint32_t i = 0; status == MLAVK_OK && i < n_prompt; i++)
        sampler_accept(smp, (uint32_t)prompt[i]);
    double start = now_seconds();
    if (status == MLAVK_OK)
        status = mlavk_engine_eval(e, prompt, n_prompt, 0, 0, logits);
    stats->prompt_tokens = n_prompt;
    stats->prompt_seconds = now_seconds() - start;
    start = now_seconds();
    /* Every sampled token, the end-of-sequence one too, goes into the cache, so a conversation can go on. */
    for (uint32_t i = 0; status == MLAVK_OK && i < n_predict && model_cache_room(e->main.cache, 0) > 0; i++) {
        int32_t token = (int32_t)sampler_sample(smp, logits);
        stats->generated_tokens++;
        bool stop = on_token && on_token(token, user);
        status = mlavk_engine_eval(e, &token, 1, 0, 0, logits);
        if (stop || token == (int32_t)e->model->config.eos_token_id)
            break;
    }
    stats->generation_seconds = now_seconds() - start;
    fill_stats(e, stats);
    sampler_free(smp);
    free(logits);
    return status;
}
