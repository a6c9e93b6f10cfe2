/* The batch scheduler: many sequences over one engine, with a pool of cache pages (see mlavk.h). Each running
 * sequence has a slot: for now its own model_state with the full context, submitted on its own each step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine_text.h"
#include "sampler/sampler.h"
#include "util/status.h"

#define DEFAULT_MAX_SEQS 4

typedef struct batch_seq {
    uint64_t id;
    void *user;
    int32_t *prompt;
    uint32_t n_prompt, n_evaluated;
    uint32_t max_tokens, generated;
    int32_t next_token;            /* sampled, to be evaluated at the next step; -1 while prefilling */
    sampler *sampler;
    text_stream *text;
    uint32_t pages;                /* pages of the pool it holds */
    engine_seq *slot;              /* NULL while queued */
    bool cancel;
    struct batch_seq *next;        /* the queue, or the list of sequences finished at the last step */
} batch_seq;

struct mlavk_batch {
    mlavk_engine *engine;
    uint32_t max_seqs, prefill_chunk;
    uint32_t pages_total, pages_used;
    engine_seq *slots;             /* [max_seqs] */
    bool *slot_busy;
    batch_seq **running;           /* [max_seqs], in the order they were admitted */
    uint32_t n_running, n_queued;
    batch_seq *queue_head, *queue_tail;
    batch_seq *finished;           /* freed at the next step: their events point into them */
    mlavk_seq_event *events;       /* [max_seqs + queued] */
    uint32_t n_events, events_capacity;
    uint64_t next_id;
    uint64_t forwards;             /* forward passes run: a step that ran any counts as a step */
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
    uint64_t tokens = params->cache_tokens ? params->cache_tokens : (uint64_t)b->max_seqs * engine->n_ctx;
    b->pages_total = (uint32_t)((tokens + MLAVK_PAGE_TOKENS - 1) / MLAVK_PAGE_TOKENS);
    b->next_id = 1;
    b->slots = calloc(b->max_seqs, sizeof *b->slots);
    b->slot_busy = calloc(b->max_seqs, sizeof *b->slot_busy);
    b->running = calloc(b->max_seqs, sizeof *b->running);
    mlavk_status status = b->slots && b->slot_busy && b->running
                              ? MLAVK_OK
                              : mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    if (status == MLAVK_OK && b->pages_total == 0)
        status = mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "batch: a cache of %llu tokens", (unsigned long long)tokens);
    for (uint32_t i = 0; status == MLAVK_OK && i < b->max_seqs; i++)
        status = engine_seq_create(engine, &b->slots[i]);
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
    free(s->prompt);
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
    for (uint32_t i = 0; b->slots && i < b->max_seqs; i++)
        engine_seq_free(b->engine, &b->slots[i]);
    free(b->slots);
    free(b->slot_busy);
    free(b->running);
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
    if (pages_for(p->n_prompt) > b->pages_total)
        return mlavk_fail(MLAVK_ERR_CACHE_FULL, "a prompt of %u tokens needs %u cache pages of %d tokens; the "
                          "cache has %u", p->n_prompt, pages_for(p->n_prompt), MLAVK_PAGE_TOKENS, b->pages_total);
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
    if (!s || !(s->prompt = malloc((size_t)p->n_prompt * sizeof *s->prompt))) {
        free(s);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "batch: out of memory");
    }
    memcpy(s->prompt, p->prompt, (size_t)p->n_prompt * sizeof *s->prompt);
    s->n_prompt = p->n_prompt;
    s->max_tokens = p->max_tokens;
    s->user = p->user;
    s->next_token = -1;
    mlavk_status status = sampler_create(&p->sampling, b->engine->model->config.n_vocab, &s->sampler);
    if (status == MLAVK_OK)
        status = text_stream_create(b->engine->tokenizer, p->stop, p->n_stop, &s->text);
    if (status != MLAVK_OK) {
        seq_free(s);
        return status;
    }
    for (uint32_t i = 0; i < s->n_prompt; i++)
        sampler_accept(s->sampler, (uint32_t)s->prompt[i]);
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
    if (s->slot) {
        b->slot_busy[s->slot - b->slots] = false;
        s->slot = NULL;
        b->pages_used -= s->pages;
        s->pages = 0;
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
    if ((s->max_tokens && s->generated >= s->max_tokens) || model_cache_room(s->slot->cache, 0) == 0)
        return finish(b, s, ev, MLAVK_FINISH_LENGTH, MLAVK_OK);
    s->next_token = token;
    return MLAVK_OK;
}

static int32_t sample(batch_seq *s)
{
    return (int32_t)sampler_sample(s->sampler, s->slot->state->logits_host.mapped);
}

static void admit(mlavk_batch *b)
{
    while (b->queue_head && b->n_running < b->max_seqs &&
           pages_for(b->queue_head->n_prompt) <= b->pages_total - b->pages_used) {
        batch_seq *s = b->queue_head;
        b->queue_head = s->next;
        if (!b->queue_head)
            b->queue_tail = NULL;
        b->n_queued--;
        s->next = NULL;
        uint32_t slot = 0;
        while (b->slot_busy[slot])
            slot++;
        b->slot_busy[slot] = true;
        s->slot = &b->slots[slot];
        model_cache_release(s->slot->cache, 0);
        s->pages = pages_for(s->n_prompt);
        b->pages_used += s->pages;
        b->running[b->n_running++] = s;
    }
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

/* A chunk of the prompt of the oldest sequence still prefilling; its first token when the prompt is done. */
static mlavk_status prefill(mlavk_batch *b, batch_seq **started)
{
    *started = NULL;
    for (uint32_t i = 0; i < b->n_running; i++) {
        batch_seq *s = b->running[i];
        if (s->n_evaluated == s->n_prompt)
            continue;
        uint32_t chunk = s->n_prompt - s->n_evaluated < b->prefill_chunk ? s->n_prompt - s->n_evaluated
                                                                         : b->prefill_chunk;
        MLAVK_TRY(engine_seq_step(b->engine, s->slot, s->prompt + s->n_evaluated, chunk, false));
        b->forwards++;
        s->n_evaluated += chunk;
        b->totals.prompt_tokens += chunk;
        if (s->n_evaluated == s->n_prompt) {
            *started = s;
            return take_token(b, s, sample(s));
        }
        return MLAVK_OK;
    }
    return MLAVK_OK;
}

/* One token for every sequence past its prompt, each taking a page when its tokens fill the ones it holds. */
static mlavk_status decode(mlavk_batch *b, const batch_seq *started)
{
    for (uint32_t i = 0; i < b->n_running;) {
        batch_seq *s = b->running[i];
        if (s == started || s->next_token < 0) {
            i++;
            continue;
        }
        uint32_t n_past = s->slot->cache->lengths[0];
        if (n_past + 1 > s->pages * MLAVK_PAGE_TOKENS) {
            if (b->pages_used == b->pages_total) {
                mlavk_fail(MLAVK_ERR_CACHE_FULL, "batch: the cache's %u pages are all in use", b->pages_total);
                MLAVK_TRY(finish(b, s, NULL, MLAVK_FINISH_ERROR, MLAVK_ERR_CACHE_FULL));
                continue;
            }
            s->pages++;
            b->pages_used++;
        }
        int32_t token = s->next_token;
        MLAVK_TRY(engine_seq_step(b->engine, s->slot, &token, 1, false));
        b->forwards++;
        uint32_t before = b->n_running;
        MLAVK_TRY(take_token(b, s, sample(s)));
        i += b->n_running == before; /* a finished sequence left the list: the next one moved to i */
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
        admit(b);
    batch_seq *started = NULL;
    const uint64_t forwards = b->forwards;
    if (status == MLAVK_OK && b->n_running)
        status = prefill(b, &started);
    if (status == MLAVK_OK)
        status = decode(b, started);
    b->totals.steps += b->forwards != forwards;
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
    st->pages_total = b->pages_total;
    st->pages_used = b->pages_used;
    st->pages_free = b->pages_total - b->pages_used;
    st->cache_tokens_free = (uint64_t)st->pages_free * MLAVK_PAGE_TOKENS;
    st->cache_tokens_used = 0;
    for (uint32_t i = 0; i < b->n_running; i++)
        st->cache_tokens_used += b->running[i]->slot->cache->lengths[0];
    st->prefix_hit_tokens = 0;
}
