/* The batch scheduler: many sequences over one engine (see mlavk.h). Every sequence lives in one paged cache
 * (model_cache): a running sequence has a slot there, a page table row, and takes pool pages as it grows. Each
 * step is one model_batch (a chunk of one waiting prompt, then one decode token per running sequence) recorded
 * and submitted once. Full pages are kept by content (engine_prefix.h) for later prompts that begin alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine_prefix.h"
#include "engine_text.h"
#include "sampler/sampler.h"
#include "util/status.h"

#define DEFAULT_MAX_SEQS 4
#define NO_SLOT UINT32_MAX

typedef struct batch_seq {
    uint64_t id;
    void *user;
    int32_t *tokens;               /* [n_ctx] the prompt, then each generated token once it joins a batch */
    uint32_t n_prompt, n_evaluated;
    uint32_t n_keyed;              /* its full pages kept in the prefix store (or found there) */
    uint64_t key;                  /* the key of the last of them */
    uint64_t serial;               /* the serial of the kept page that holds the last of them (engine_prefix.h) */
    uint32_t max_tokens, generated;
    int32_t next_token;            /* sampled, to be evaluated at the next step; -1 while prefilling */
    sampler *sampler;
    text_stream *text;
    uint32_t slot;                 /* its slot in the cache, NO_SLOT while queued */
    bool cancel;
    struct batch_seq *next;        /* the queue, or the list of sequences finished at the last step */
} batch_seq;

/* A recording of decode-only steps of one batch width: the shape repeats from step to step, so it is reused
 * while the attention splits (which grow with the longest sequence) stay the same. */
typedef struct decode_recording {
    vk_recording *rec;
    uint32_t splits;
    bool recorded;
} decode_recording;

struct mlavk_batch {
    mlavk_engine *engine;
    uint32_t max_seqs, prefill_chunk;
    model_cache *cache;            /* every sequence's pages; slot i of its page tables is slot i here */
    model_state *state;            /* the step's scratch */
    prefix_store prefix;
    uint32_t *found;               /* [pages_per_seq] the pages a prompt found kept */
    vk_recording *mixed;           /* a step with a prompt chunk: recorded anew each time */
    decode_recording *decode;      /* [max_seqs]: decode-only steps of 1 .. max_seqs sequences */
    bool *slot_busy;               /* [max_seqs] */
    batch_seq **running;           /* [max_seqs], in the order they were admitted */
    batch_seq **members;           /* [max_seqs]: the sequences of this step's batch, in its order */
    uint32_t n_running, n_queued;
    batch_seq *queue_head, *queue_tail;
    batch_seq *finished;           /* freed at the next step: their events point into them */
    mlavk_seq_event *events;       /* [max_seqs + queued] */
    uint32_t n_events, events_capacity;
    uint64_t next_id;
    mlavk_batch_stats totals;      /* steps, prompt_tokens, generated_tokens */
};

static uint32_t pages_for(uint32_t tokens) { return (tokens + MLAVK_PAGE_TOKENS - 1) / MLAVK_PAGE_TOKENS; }

mlavk_status mlavk_batch_create(mlavk_engine *engine, const mlavk_batch_params *params, mlavk_batch **out)
{
    *out = NULL;
    mlavk_batch *b = calloc(1, sizeof *b);
    if (!b)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    b->engine = engine;
    b->max_seqs = params->max_seqs ? params->max_seqs : DEFAULT_MAX_SEQS;
    b->prefill_chunk = params->prefill_chunk ? params->prefill_chunk : engine->batch_size;
    if (b->prefill_chunk > engine->batch_size)
        b->prefill_chunk = engine->batch_size;
    /* by default every slot can hold a whole context, in whole pages of its own */
    uint64_t tokens = params->cache_tokens ? params->cache_tokens
                                           : (uint64_t)b->max_seqs * pages_for(engine->n_ctx) * MLAVK_PAGE_TOKENS;
    uint64_t pages = (tokens + MLAVK_PAGE_TOKENS - 1) / MLAVK_PAGE_TOKENS;
    b->next_id = 1;
    b->decode = calloc(b->max_seqs, sizeof *b->decode);
    b->slot_busy = calloc(b->max_seqs, sizeof *b->slot_busy);
    b->running = calloc(b->max_seqs, sizeof *b->running);
    b->members = calloc(b->max_seqs, sizeof *b->members);
    mlavk_status status = b->decode && b->slot_busy && b->running && b->members
                              ? MLAVK_OK
                              : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    if (status == MLAVK_OK && (pages == 0 || pages > UINT32_MAX))
        status = mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: a cache of %llu tokens", (unsigned long long)tokens);
    if (status == MLAVK_OK)
        status = model_cache_create(engine->model, (uint32_t)pages, b->max_seqs, engine->n_ctx, engine->cache_type,
                                    &b->cache);
    /* a step holds a prompt chunk and one decode token of every other running sequence */
    if (status == MLAVK_OK)
        status = model_state_create(engine->model, engine->n_ctx, b->prefill_chunk + b->max_seqs - 1,
                                    engine->prefill, &b->state);
    if (status == MLAVK_OK)
        status = prefix_store_init(&b->prefix, b->cache);
    if (status == MLAVK_OK && !(b->found = malloc(b->cache->pages_per_seq * sizeof *b->found)))
        status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    if (status == MLAVK_OK)
        status = vk_recording_create(engine->ctx, &b->mixed);
    for (uint32_t i = 0; status == MLAVK_OK && i < b->max_seqs; i++)
        status = vk_recording_create(engine->ctx, &b->decode[i].rec);
    if (status != MLAVK_OK) {
        mlavk_batch_free(b);
        return status;
    }
    *out = b;
    return MLAVK_OK;
}

static void seq_free(batch_seq *s)
{
    sampler_free(s->sampler);
    text_stream_free(s->text);
    free(s->tokens);
    free(s);
}

static void free_list(batch_seq *s)
{
    while (s) {
        batch_seq *next = s->next;
        seq_free(s);
        s = next;
    }
}

void mlavk_batch_free(mlavk_batch *b)
{
    if (!b)
        return;
    for (uint32_t i = 0; i < b->n_running; i++)
        seq_free(b->running[i]);
    free_list(b->queue_head);
    free_list(b->finished);
    for (uint32_t i = 0; b->decode && i < b->max_seqs; i++)
        vk_recording_destroy(b->decode[i].rec);
    free(b->decode);
    vk_recording_destroy(b->mixed);
    if (b->state)
        model_state_free(b->engine->model, b->state);
    prefix_store_free(&b->prefix);
    free(b->found);
    if (b->cache)
        model_cache_free(b->engine->model, b->cache);
    free(b->slot_busy);
    free(b->running);
    free(b->members);
    free(b->events);
    free(b);
}

static mlavk_status check_params(const mlavk_batch *b, const mlavk_seq_params *p)
{
    const uint32_t vocab = b->engine->model->config.n_vocab, n_ctx = b->engine->n_ctx;
    if (p->n_prompt == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: an empty prompt");
    if (p->n_stop > MLAVK_MAX_STOP_STRINGS)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: %u stop strings, at most %d", p->n_stop,
                          MLAVK_MAX_STOP_STRINGS);
    if (p->n_prompt >= n_ctx)
        return mlavk_fail(MLAVK_ERR_CONTEXT_FULL, "a prompt of %u tokens leaves no room in a context of %u",
                          p->n_prompt, n_ctx);
    if (pages_for(p->n_prompt) > b->cache->n_pages)
        return mlavk_fail(MLAVK_ERR_CACHE_FULL, "a prompt of %u tokens needs %u cache pages of %d tokens; the "
                          "cache has %u", p->n_prompt, pages_for(p->n_prompt), MLAVK_PAGE_TOKENS, b->cache->n_pages);
    for (uint32_t i = 0; i < p->n_prompt; i++)
        if (p->prompt[i] < 0 || (uint32_t)p->prompt[i] >= vocab)
            return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "token id %d is outside the vocabulary of %u", p->prompt[i],
                              vocab);
    return MLAVK_OK;
}

mlavk_status mlavk_batch_submit(mlavk_batch *b, const mlavk_seq_params *p, uint64_t *id)
{
    *id = 0;
    MLAVK_TRY(check_params(b, p));
    batch_seq *s = calloc(1, sizeof *s);
    if (!s || !(s->tokens = malloc((size_t)b->engine->n_ctx * sizeof *s->tokens))) {
        free(s);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    }
    memcpy(s->tokens, p->prompt, (size_t)p->n_prompt * sizeof *s->tokens);
    s->n_prompt = p->n_prompt;
    s->max_tokens = p->max_tokens;
    s->user = p->user;
    s->next_token = -1;
    s->slot = NO_SLOT;
    mlavk_status status = sampler_create(&p->sampling, b->engine->model->config.n_vocab, &s->sampler);
    if (status == MLAVK_OK)
        status = text_stream_create(b->engine->tokenizer, p->stop, p->n_stop, &s->text);
    if (status != MLAVK_OK) {
        seq_free(s);
        return status;
    }
    for (uint32_t i = 0; i < s->n_prompt; i++)
        sampler_accept(s->sampler, (uint32_t)s->tokens[i]);
    s->id = b->next_id++;
    if (b->queue_tail)
        b->queue_tail->next = s;
    else
        b->queue_head = s;
    b->queue_tail = s;
    b->n_queued++;
    *id = s->id;
    return MLAVK_OK;
}

void mlavk_batch_cancel(mlavk_batch *b, uint64_t id)
{
    for (uint32_t i = 0; i < b->n_running; i++)
        if (b->running[i]->id == id)
            b->running[i]->cancel = true;
    for (batch_seq *s = b->queue_head; s; s = s->next)
        if (s->id == id)
            s->cancel = true;
}

static mlavk_seq_event *add_event(mlavk_batch *b, batch_seq *s, int32_t token)
{
    if (b->n_events == b->events_capacity) {
        uint32_t capacity = b->events_capacity ? 2 * b->events_capacity : 16;
        mlavk_seq_event *grown = realloc(b->events, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        b->events = grown;
        b->events_capacity = capacity;
    }
    mlavk_seq_event *ev = &b->events[b->n_events++];
    *ev = (mlavk_seq_event){.id = s->id, .user = s->user, .token = token, .prompt_tokens = s->n_prompt,
                            .generated_tokens = s->generated};
    text_stream_output(s->text, &ev->text, &ev->length);
    return ev;
}

/* Ends a running or dequeued sequence: its event, its slot and pages back, and it waits to be freed. */
static mlavk_status finish(mlavk_batch *b, batch_seq *s, mlavk_seq_event *ev, mlavk_finish why, mlavk_status error)
{
    if (!ev)
        text_stream_clear_output(s->text);
    mlavk_status status = why == MLAVK_FINISH_CANCELLED ? MLAVK_OK : text_stream_flush(s->text);
    if (!ev)
        ev = add_event(b, s, -1);
    if (!ev)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    text_stream_output(s->text, &ev->text, &ev->length); /* the token's text and what the flush added */
    ev->finish = why;
    ev->error = error;
    if (s->slot != NO_SLOT) {
        model_cache_release(b->cache, s->slot);
        b->slot_busy[s->slot] = false;
        s->slot = NO_SLOT;
        uint32_t i = 0;
        while (b->running[i] != s)
            i++;
        memmove(&b->running[i], &b->running[i + 1], (b->n_running - i - 1) * sizeof *b->running);
        b->n_running--;
    }
    s->next = b->finished;
    b->finished = s;
    return status;
}

/* Takes the sampled token: an event, and the end of the sequence at end-of-sequence, a stop string, max_tokens
 * or a full context; otherwise it is evaluated at the next step. */
static mlavk_status take_token(mlavk_batch *b, batch_seq *s, int32_t token)
{
    bool eos = token == (int32_t)b->engine->model->config.eos_token_id, stopped = false;
    text_stream_clear_output(s->text);
    if (!eos) {
        s->generated++;
        b->totals.generated_tokens++;
        MLAVK_TRY(text_stream_feed(s->text, token, &stopped));
    }
    mlavk_seq_event *ev = add_event(b, s, token);
    if (!ev)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    if (eos || stopped)
        return finish(b, s, ev, MLAVK_FINISH_STOP, MLAVK_OK);
    if ((s->max_tokens && s->generated >= s->max_tokens) || model_cache_room(b->cache, s->slot) == 0)
        return finish(b, s, ev, MLAVK_FINISH_LENGTH, MLAVK_OK);
    s->next_token = token;
    return MLAVK_OK;
}

/* Pages the prompts of running sequences will still take: admission and decode leave them free. */
static uint32_t pages_promised(const mlavk_batch *b)
{
    uint32_t pages = 0;
    for (uint32_t i = 0; i < b->n_running; i++) {
        const batch_seq *s = b->running[i];
        pages += pages_for(s->n_prompt) - pages_for(b->cache->lengths[s->slot]);
    }
    return pages;
}

/* Maps into the sequence's empty slot the kept pages its prompt begins with, leaving at least the prompt's last
 * token to compute (its logits give the first token); returns how many. */
static mlavk_status reuse_prefix(mlavk_batch *b, batch_seq *s, uint32_t *n_found)
{
    uint64_t key = 0, serial = PREFIX_NONE;
    uint32_t n = 0;
    while ((n + 1) * MLAVK_PAGE_TOKENS < s->n_prompt) {
        const int32_t *tokens = s->tokens + (size_t)n * MLAVK_PAGE_TOKENS;
        uint64_t next = prefix_key(key, tokens);
        uint32_t page = prefix_find(&b->prefix, next, serial, tokens);
        if (page == UINT32_MAX)
            break;
        b->found[n++] = page;
        key = next;
        serial = prefix_serial(&b->prefix, page);
    }
    *n_found = n;
    for (uint32_t g = n; g > 0; g--) /* the deepest page counts as used first: evicted before those it needs */
        prefix_touch(&b->prefix, b->found[g - 1]);
    if (n > 0)
        MLAVK_TRY(model_cache_map(b->cache, s->slot, b->found, n));
    /* set also when nothing was found: an earlier try's pages may have been evicted since */
    s->n_evaluated = n * MLAVK_PAGE_TOKENS;
    s->n_keyed = n;
    s->key = key;
    s->serial = serial;
    return MLAVK_OK;
}

/* Starts queued sequences while a slot is free and the pool (evicting kept pages if need be) has the pages
 * their prompts still need beyond those of the prompts already running. */
static mlavk_status admit(mlavk_batch *b)
{
    while (b->queue_head && b->n_running < b->max_seqs) {
        batch_seq *s = b->queue_head;
        uint32_t slot = 0, found;
        while (b->slot_busy[slot])
            slot++;
        s->slot = slot;
        mlavk_status status = reuse_prefix(b, s, &found);
        if (status != MLAVK_OK) { /* nothing mapped: it stays queued */
            s->slot = NO_SLOT;
            return status;
        }
        uint32_t need = pages_for(s->n_prompt) - found + pages_promised(b);
        if (!prefix_make_room(&b->prefix, need)) {
            model_cache_release(b->cache, slot);
            s->slot = NO_SLOT;
            s->n_evaluated = s->n_keyed = 0;
            return MLAVK_OK;
        }
        b->totals.prefix_hit_tokens += (uint64_t)found * MLAVK_PAGE_TOKENS;
        b->queue_head = s->next;
        if (!b->queue_head)
            b->queue_tail = NULL;
        b->n_queued--;
        s->next = NULL;
        b->slot_busy[slot] = true;
        b->running[b->n_running++] = s;
    }
    return MLAVK_OK;
}

static mlavk_status cancel_requested(mlavk_batch *b)
{
    for (batch_seq **link = &b->queue_head, *s; (s = *link);) {
        if (!s->cancel) {
            link = &s->next;
            continue;
        }
        *link = s->next;
        if (b->queue_tail == s)
            b->queue_tail = NULL;
        b->n_queued--;
        MLAVK_TRY(finish(b, s, NULL, MLAVK_FINISH_CANCELLED, MLAVK_OK));
    }
    if (!b->queue_tail) /* the tail was cancelled: find the new one */
        for (batch_seq *s = b->queue_head; s; s = s->next)
            b->queue_tail = s;
    for (uint32_t i = 0; i < b->n_running;)
        if (b->running[i]->cancel)
            MLAVK_TRY(finish(b, b->running[i], NULL, MLAVK_FINISH_CANCELLED, MLAVK_OK));
        else
            i++;
    return MLAVK_OK;
}

/* The step's batch: a chunk of the prompt of the oldest sequence still prefilling, then one token of every
 * sequence past its prompt, each taking a page when its tokens fill the ones it holds (or ending with
 * MLAVK_ERR_CACHE_FULL when none is left). b->members gets the batch's sequences in its order. */
static mlavk_status build_batch(mlavk_batch *b, model_batch *batch, uint32_t *n_members, uint32_t *chunk)
{
    *n_members = 0;
    *chunk = 0;
    for (uint32_t i = 0; i < b->n_running; i++) {
        batch_seq *s = b->running[i];
        if (s->n_evaluated == s->n_prompt)
            continue;
        uint32_t left = s->n_prompt - s->n_evaluated;
        *chunk = left < b->prefill_chunk ? left : b->prefill_chunk;
        MLAVK_TRY(model_batch_add(b->state, b->cache, batch, s->slot, s->tokens + s->n_evaluated, *chunk));
        b->members[(*n_members)++] = s;
        break;
    }
    for (uint32_t i = 0; i < b->n_running;) {
        batch_seq *s = b->running[i];
        if (s->next_token < 0) {
            i++;
            continue;
        }
        uint32_t length = b->cache->lengths[s->slot];
        if (length % MLAVK_PAGE_TOKENS == 0 && !prefix_make_room(&b->prefix, pages_promised(b) + 1)) {
            mlavk_fail(MLAVK_ERR_CACHE_FULL, "batch: the cache's %u pages are all in use", b->cache->n_pages);
            MLAVK_TRY(finish(b, s, NULL, MLAVK_FINISH_ERROR, MLAVK_ERR_CACHE_FULL));
            continue; /* it left the list: the next one moved to i */
        }
        s->tokens[length] = s->next_token;
        MLAVK_TRY(model_batch_add(b->state, b->cache, batch, s->slot, &s->next_token, 1));
        b->members[(*n_members)++] = s;
        i++;
    }
    return MLAVK_OK;
}

/* Records the batch, or reuses the decode recording of its width, and runs it. */
static mlavk_status forward(mlavk_batch *b, const model_batch *batch)
{
    mlavk_engine *e = b->engine;
    uint32_t splits = model_attention_splits(b->state, batch);
    vk_recording *rec = b->mixed;
    decode_recording *d = batch->n_tokens == batch->n_seqs ? &b->decode[batch->n_seqs - 1] : NULL;
    if (d)
        rec = d->rec;
    if (!d || !d->recorded || d->splits != splits) {
        if (d)
            d->recorded = false;
        MLAVK_TRY(vk_recording_begin(rec, false));
        MLAVK_TRY(model_record_forward(e->model, b->state, b->cache, rec, batch));
        MLAVK_TRY(vk_recording_end(rec));
        if (d) {
            d->recorded = true;
            d->splits = splits;
        }
    }
    return vk_recording_run(rec);
}

/* Keeps the sequence's pages that are full of computed tokens for later prompts. */
static void keep_full_pages(mlavk_batch *b, batch_seq *s)
{
    const uint32_t *pages = model_cache_pages(b->cache, s->slot);
    while ((s->n_keyed + 1) * MLAVK_PAGE_TOKENS <= b->cache->lengths[s->slot]) {
        const int32_t *tokens = s->tokens + (size_t)s->n_keyed * MLAVK_PAGE_TOKENS;
        s->key = prefix_key(s->key, tokens);
        s->serial = prefix_keep(&b->prefix, s->key, s->serial, tokens, pages[s->n_keyed++]);
    }
}

/* One forward pass of the step's batch, and each sequence's token from the logits of its last one. */
static mlavk_status run_batch(mlavk_batch *b)
{
    model_batch batch = {.logits = MODEL_LOGITS_LAST};
    uint32_t n_members, chunk;
    MLAVK_TRY(build_batch(b, &batch, &n_members, &chunk));
    if (batch.n_tokens == 0)
        return MLAVK_OK;
    MLAVK_TRY(forward(b, &batch));
    b->totals.steps++;
    const uint32_t vocab = b->engine->model->config.n_vocab;
    const float *logits = b->state->logits_host.mapped;
    for (uint32_t i = 0; i < n_members; i++) {
        batch_seq *s = b->members[i];
        keep_full_pages(b, s);
        if (s->n_evaluated < s->n_prompt) { /* the prompt chunk comes first */
            s->n_evaluated += chunk;
            b->totals.prompt_tokens += chunk;
            if (s->n_evaluated < s->n_prompt)
                continue;
        }
        MLAVK_TRY(take_token(b, s, (int32_t)sampler_sample(s->sampler, logits + (size_t)i * vocab)));
    }
    return MLAVK_OK;
}

/* After a device failure: every sequence ends with the error. */
static void fail_all(mlavk_batch *b, mlavk_status error)
{
    while (b->n_running)
        finish(b, b->running[0], NULL, MLAVK_FINISH_ERROR, error);
    while (b->queue_head) {
        batch_seq *s = b->queue_head;
        b->queue_head = s->next;
        finish(b, s, NULL, MLAVK_FINISH_ERROR, error);
    }
    b->queue_tail = NULL;
    b->n_queued = 0;
}

mlavk_status mlavk_batch_step(mlavk_batch *b, const mlavk_seq_event **events, uint32_t *count)
{
    free_list(b->finished);
    b->finished = NULL;
    b->n_events = 0;
    *events = b->events;
    *count = 0;
    mlavk_status status = cancel_requested(b);
    if (status == MLAVK_OK)
        status = admit(b);
    if (status == MLAVK_OK)
        status = run_batch(b);
    if (status != MLAVK_OK) {
        char message[512];
        snprintf(message, sizeof message, "%s", mlavk_last_error());
        fail_all(b, status);
        mlavk_fail(status, "%s", message);
    }
    *events = b->events;
    *count = b->n_events;
    return status;
}

void mlavk_batch_get_stats(const mlavk_batch *b, mlavk_batch_stats *st)
{
    *st = b->totals;
    st->max_seqs = b->max_seqs;
    st->running = b->n_running;
    st->queued = b->n_queued;
    st->page_tokens = MLAVK_PAGE_TOKENS;
    st->pages_total = b->cache->n_pages;
    st->pages_free = b->cache->n_free + prefix_evictable(&b->prefix);
    st->pages_used = st->pages_total - st->pages_free;
    st->cache_tokens_free = (uint64_t)st->pages_free * MLAVK_PAGE_TOKENS;
    st->cache_tokens_used = 0;
    for (uint32_t i = 0; i < b->n_running; i++)
        st->cache_tokens_used += b->cache->lengths[b->running[i]->slot];
}
