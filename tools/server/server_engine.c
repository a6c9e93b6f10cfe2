/* The engine thread of mlavk serve: the only thread that touches the engine, its tokenizer and its batch. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "server.h"

typedef struct engine_side {
    server *s;
    mlavk_engine *engine;
    mlavk_batch *batch;
    bool has_template;
    mlavk_chat_template style;
    char template_error[256];
    server_job *active;            /* jobs in the batch */
    uint64_t seeds;                /* varies the seed of requests that give none */
} engine_side;

server_job *server_job_create(server *s, server_request *request)
{
    server_job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->request = *request;
    memset(request, 0, sizeof *request);
    job->refs = 1;
    job->created = time(NULL);
    pthread_cond_init(&job->changed, NULL);
    pthread_mutex_lock(&s->lock);
    snprintf(job->id, sizeof job->id, "%s-%llu", job->request.endpoint == SERVER_CHAT ? "chatcmpl" : "cmpl",
             (unsigned long long)++s->next_job);
    pthread_mutex_unlock(&s->lock);
    return job;
}

static void job_free(server_job *job)
{
    server_request_free(&job->request);
    pthread_cond_destroy(&job->changed);
    free(job->text);
    free(job);
}

/* Drops a reference; the caller holds the lock. */
static void unref_locked(server_job *job)
{
    if (--job->refs == 0)
        job_free(job);
}

void server_job_release(server *s, server_job *job)
{
    pthread_mutex_lock(&s->lock);
    unref_locked(job);
    pthread_mutex_unlock(&s->lock);
}

/* Ends a job with an error (the caller holds the lock). */
static void fail_job_locked(server *s, server_job *job, int http_status, const char *type, const char *code,
                            const char *message)
{
    job->http_status = http_status;
    job->error_type = type;
    job->error_code = code;
    snprintf(job->error_message, sizeof job->error_message, "%s", message);
    job->finished = true;
    job->finish = MLAVK_FINISH_ERROR;
    s->metrics.errors++;
    pthread_cond_broadcast(&job->changed);
}

const char *server_unavailable_locked(const server *s)
{
    return s->stopping ? "the server is shutting down" : !s->ready ? "the model is loading" : NULL;
}

void server_submit(server *s, server_job *job)
{
    pthread_mutex_lock(&s->lock);
    const char *unavailable = server_unavailable_locked(s);
    if (unavailable) {
        fail_job_locked(s, job, 503, "server_error", "unavailable", unavailable);
    } else {
        job->refs++;
        job->next = NULL;
        if (s->inbox_tail)
            s->inbox_tail->next = job;
        else
            s->inbox_head = job;
        s->inbox_tail = job;
        s->metrics.inbox++;
        pthread_cond_signal(&s->engine_wake);
    }
    pthread_mutex_unlock(&s->lock);
}

void server_cancel(server *s, server_job *job)
{
    pthread_mutex_lock(&s->lock);
    job->cancel = true;
    pthread_cond_signal(&s->engine_wake);
    pthread_mutex_unlock(&s->lock);
}

/* The prompt's tokens: the chat template's rendering of the messages, or the completion prompt as given. */
static mlavk_status prompt_tokens(engine_side *e, const server_request *r, int32_t **ids, size_t *n)
{
    mlavk_tokenizer *tokenizer = mlavk_engine_tokenizer(e->engine);
    if (r->endpoint == SERVER_COMPLETIONS)
        return mlavk_tokenize(tokenizer, r->prompt, strlen(r->prompt), MLAVK_BOS_DEFAULT, ids, n);
    char *text = NULL;
    size_t length = 0;
    mlavk_status status = mlavk_chat_render(tokenizer, e->style, r->messages, r->n_messages, 1, &text, &length);
    if (status == MLAVK_OK)
        status = mlavk_tokenize(tokenizer, text, length, 0, ids, n);
    free(text);
    return status;
}

/* Puts a job's sequence into the batch, or fails the job with the matching HTTP error. */
static void start_job(engine_side *e, server_job *job)
{
    server *s = e->s;
    const server_request *r = &job->request;
    char message[300] = "";
    int http = 0;
    const char *type = "invalid_request_error", *code = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    mlavk_batch_stats stats;
    mlavk_batch_get_stats(e->batch, &stats);
    if (r->endpoint == SERVER_CHAT && !e->has_template) {
        http = 400, code = "no_chat_template";
        snprintf(message, sizeof message, "%.200s; use /v1/completions with a prompt in the model's own format",
                 e->template_error);
    } else if (stats.running + stats.queued + 1 > stats.max_seqs + s->options.queue_limit) {
        http = 503, type = "server_error", code = "queue_full";
        snprintf(message, sizeof message, "%u requests are running and %u waiting (--parallel %u, queue limit %u)",
                 stats.running, stats.queued, stats.max_seqs, s->options.queue_limit);
    } else {
        mlavk_status status = prompt_tokens(e, r, &ids, &n);
        mlavk_seq_params p = {.prompt = ids, .n_prompt = (uint32_t)n, .max_tokens = r->max_tokens,
                              .sampling = r->sampling, .stop = (const char *const *)r->stop, .n_stop = r->n_stop,
                              .user = job};
        if (!r->has_seed)
            p.sampling.seed = (uint64_t)time(NULL) * 6364136223846793005ull + ++e->seeds;
        if (status == MLAVK_OK)
            status = mlavk_batch_submit(e->batch, &p, &job->seq);
        if (status != MLAVK_OK) {
            snprintf(message, sizeof message, "%s", mlavk_last_error());
            http = status == MLAVK_ERR_CACHE_FULL ? 503 : status == MLAVK_ERR_OUT_OF_HOST_MEMORY ? 500 : 400;
            type = http == 400 ? "invalid_request_error" : "server_error";
            code = status == MLAVK_ERR_CONTEXT_FULL ? "context_length_exceeded"
                   : status == MLAVK_ERR_CACHE_FULL ? "cache_exhausted"
                                                    : NULL;
        }
    }
    free(ids);
    pthread_mutex_lock(&s->lock);
    s->metrics.inbox--;
    if (http) {
        fail_job_locked(s, job, http, type, code, message);
        unref_locked(job);
    } else {
        job->accepted = true;
        job->prompt_tokens = (uint32_t)n;
        job->next = e->active;
        e->active = job;
        pthread_cond_broadcast(&job->changed);
    }
    pthread_mutex_unlock(&s->lock);
}

static void remove_active(engine_side *e, server_job *job)
{
    for (server_job **link = &e->active; *link; link = &(*link)->next)
        if (*link == job) {
            *link = job->next;
            return;
        }
}

/* A step's events into their jobs (the caller holds the lock). */
static void deliver(engine_side *e, const mlavk_seq_event *events, uint32_t count)
{
    server *s = e->s;
    for (uint32_t i = 0; i < count; i++) {
        const mlavk_seq_event *ev = &events[i];
        server_job *job = ev->user;
        if (ev->length) {
            char *grown = realloc(job->text, job->length + ev->length + 1);
            if (grown) {
                memcpy(grown + job->length, ev->text, ev->length);
                job->length += ev->length;
                grown[job->length] = '\0';
                job->text = grown;
            }
        }
        job->completion_tokens = ev->generated_tokens;
        if (ev->finish != MLAVK_FINISH_NONE) {
            remove_active(e, job);
            if (ev->finish == MLAVK_FINISH_ERROR)
                fail_job_locked(s, job, ev->error == MLAVK_ERR_CACHE_FULL ? 503 : 500, "server_error",
                                ev->error == MLAVK_ERR_CACHE_FULL ? "cache_exhausted" : NULL,
                                ev->error == MLAVK_ERR_CACHE_FULL
                                    ? "the cache ran out of pages during generation (--cache-tokens)"
                                    : mlavk_status_string(ev->error));
            job->finished = true;
            job->finish = ev->finish;
        }
        pthread_cond_broadcast(&job->changed);
        if (ev->finish != MLAVK_FINISH_NONE)
            unref_locked(job); /* last: a client that left holds no reference */
    }
}

static void *engine_main(void *arg)
{
    engine_side e = {.s = arg};
    server *s = e.s;
    mlavk_batch_params bp = {.max_seqs = s->options.parallel, .cache_tokens = s->options.cache_tokens};
    mlavk_status status = mlavk_engine_create(&s->options.engine, &e.engine);
    if (status == MLAVK_OK)
        status = mlavk_batch_create(e.engine, &bp, &e.batch);
    if (status != MLAVK_OK) {
        fprintf(stderr, "mlavk serve: %s\n", mlavk_last_error()[0] ? mlavk_last_error() : mlavk_status_string(status));
        mlavk_batch_free(e.batch);
        mlavk_engine_free(e.engine);
        pthread_mutex_lock(&s->lock);
        s->load_failed = true;
        pthread_mutex_unlock(&s->lock);
        kill(getpid(), SIGTERM); /* the main thread waits for it, then exits 1 */
        return NULL;
    }
    e.has_template = mlavk_chat_template_of(mlavk_engine_tokenizer(e.engine), &e.style) == MLAVK_OK;
    snprintf(e.template_error, sizeof e.template_error, "%s", e.has_template ? "" : mlavk_last_error());
    mlavk_engine_info info;
    mlavk_engine_get_info(e.engine, &info);
    pthread_mutex_lock(&s->lock);
    mlavk_batch_get_stats(e.batch, &s->metrics.batch);
    s->ready = true;
    fprintf(stderr, "mlavk serve: %s on %s, %u sequences at once, context %u, cache %u pages of %u tokens%s\n",
            info.model_path, info.device, s->metrics.batch.max_seqs, info.n_ctx, s->metrics.batch.pages_total,
            s->metrics.batch.page_tokens, e.has_template ? "" : " (no chat template: completions only)");
    struct timespec drain_end = {0};
    for (;;) {
        while (!s->inbox_head && !e.active && !s->stopping)
            pthread_cond_wait(&s->engine_wake, &s->lock);
        if (s->stopping && !s->inbox_head && !e.active)
            break;
        if (s->stopping && drain_end.tv_sec == 0) {
            clock_gettime(CLOCK_MONOTONIC, &drain_end);
            drain_end.tv_sec += s->options.drain_seconds;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        bool drained = s->stopping && now.tv_sec >= drain_end.tv_sec;
        server_job *inbox = s->inbox_head;
        s->inbox_head = s->inbox_tail = NULL;
        for (server_job *job = e.active; job; job = job->next)
            if ((job->cancel || drained) && !job->cancel_sent) {
                job->cancel_sent = true;
                mlavk_batch_cancel(e.batch, job->seq);
            }
        pthread_mutex_unlock(&s->lock);
        while (inbox) {
            server_job *job = inbox;
            inbox = job->next;
            start_job(&e, job);
        }
        const mlavk_seq_event *events;
        uint32_t count;
        status = mlavk_batch_step(e.batch, &events, &count);
        if (status != MLAVK_OK)
            fprintf(stderr, "mlavk serve: %s\n", mlavk_last_error());
        pthread_mutex_lock(&s->lock);
        deliver(&e, events, count);
        mlavk_batch_get_stats(e.batch, &s->metrics.batch);
    }
    s->ready = false;
    pthread_mutex_unlock(&s->lock);
    mlavk_batch_free(e.batch);
    mlavk_engine_free(e.engine);
    return NULL;
}

bool server_start_engine(server *s)
{
    s->engine_started = pthread_create(&s->engine_thread, NULL, engine_main, s) == 0;
    return s->engine_started;
}

void server_stop_engine(server *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->engine_wake);
    pthread_mutex_unlock(&s->lock);
    if (s->engine_started)
        pthread_join(s->engine_thread, NULL);
    s->engine_started = false;
}
