/* The chat worker thread: owns the engine and its session (mlavk_session_turn evaluates only what each new
 * turn adds to the cache), and publishes the conversation and live statistics into a lock-protected view. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat.h"
#include "mlavk.h"

struct chat {
    chat_options options;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    /* Under lock: the published view and the requests. */
    chat_view shared;
    char *pending;
    int want_new, quit;
    atomic_int interrupt;
    /* Worker only. */
    mlavk_engine *engine;
    mlavk_session *session;    /* the conversation in the model's own chat template, kept in the cache */
    int32_t eos;
    double turn_start, first_token_time;
    uint32_t n_turn_tokens;
    int32_t heat_ring[CHAT_HEAT_TOKENS][CHAT_MAX_LAYERS * 8]; /* expert ids per recent token */
    uint32_t heat_next, heat_filled, heat_k;
};

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Appends bytes to a message (capacity doubles; text stays NUL-terminated). Returns -1 out of memory. */
static int message_append(chat_message *m, const char *text, size_t length)
{
    char *grown = realloc(m->text, m->length + length + 1);
    if (!grown)
        return -1;
    memcpy(grown + m->length, text, length);
    m->text = grown;
    m->length += length;
    m->text[m->length] = '\0';
    return 0;
}

static int message_add_token(chat_message *m, int32_t id)
{
    int32_t *ids = realloc(m->token_ids, (m->n_tokens + 1) * sizeof *ids);
    if (ids)
        m->token_ids = ids;
    uint32_t *ends = realloc(m->token_end, (m->n_tokens + 1) * sizeof *ends);
    if (ends)
        m->token_end = ends;
    if (!ids || !ends)
        return -1;
    ids[m->n_tokens] = id;
    ends[m->n_tokens] = (uint32_t)m->length;
    m->n_tokens++;
    return 0;
}

static void message_free(chat_message *m)
{
    free(m->text);
    free(m->token_ids);
    free(m->token_end);
}

/* Adds an empty message at the end of the shared conversation (caller holds the lock). */
static chat_message *push_message(chat *c, chat_role role)
{
    chat_message *grown = realloc(c->shared.messages, (c->shared.n_messages + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    c->shared.messages = grown;
    chat_message *m = &grown[c->shared.n_messages++];
    *m = (chat_message){.role = role, .text = calloc(1, 1)};
    return m;
}

static void clear_messages(chat_view *v)
{
    for (size_t i = 0; i < v->n_messages; i++)
        message_free(&v->messages[i]);
    free(v->messages);
    v->messages = NULL;
    v->n_messages = 0;
}

static void set_error(chat *c, const char *what)
{
    pthread_mutex_lock(&c->lock);
    snprintf(c->shared.error, sizeof c->shared.error, "%s: %s", what, mlavk_last_error());
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
}

/* Rebuilds the heatmap from the ring of recent choices (caller holds the lock). */
static void update_heat(chat *c)
{
    chat_view *v = &c->shared;
    memset(v->heat, 0, sizeof v->heat);
    for (uint32_t t = 0; t < c->heat_filled; t++)
        for (uint32_t l = 0; l < v->n_layer; l++)
            for (uint32_t j = 0; j < c->heat_k; j++) {
                int32_t e = c->heat_ring[t][l * c->heat_k + j];
                if (e >= 0 && (uint32_t)e < v->n_expert)
                    v->heat[l * v->n_expert + (uint32_t)e]++;
            }
    v->heat_tokens = c->heat_filled;
}

/* Copies what the engine knows about the step just evaluated (caller holds the lock). */
static void record_step(chat *c)
{
    chat_view *v = &c->shared;
    const int32_t *choices = mlavk_engine_expert_choices(c->engine);
    if (choices && c->heat_k) {
        memcpy(c->heat_ring[c->heat_next], choices, (size_t)v->n_layer * c->heat_k * sizeof *choices);
        c->heat_next = (c->heat_next + 1) % CHAT_HEAT_TOKENS;
        c->heat_filled += c->heat_filled < CHAT_HEAT_TOKENS;
        update_heat(c);
    }
    const mlavk_op_profile *ops;
    uint32_t n = mlavk_engine_profile(c->engine, &ops);
    v->n_ops = n < CHAT_MAX_OPS ? n : CHAT_MAX_OPS;
    v->ops_total_ms = 0;
    for (uint32_t i = 0; i < v->n_ops; i++) {
        snprintf(v->ops[i].name, sizeof v->ops[i].name, "%s", ops[i].op);
        v->ops[i].calls = ops[i].calls;
        v->ops[i].ms = ops[i].ms;
        v->ops_total_ms += ops[i].ms;
    }
    v->n_past = mlavk_engine_n_past(c->engine);
}

/* Called by the session for every sampled token (and last with -1 for text held back); the token enters the
 * cache after this returns. */
static int on_text(int32_t token, const char *text, size_t length, void *user)
{
    chat *c = user;
    double now = now_seconds();
    pthread_mutex_lock(&c->lock);
    chat_view *v = &c->shared;
    chat_message *m = &v->messages[v->n_messages - 1];
    if (token < 0) {
        message_append(m, text, length);
        v->version++;
        pthread_mutex_unlock(&c->lock);
        return 0;
    }
    if (c->n_turn_tokens++ == 0) {
        c->first_token_time = now;
        v->last_prompt_tokens = mlavk_session_prompt_tokens(c->session);
        v->state = CHAT_GENERATING;
        if (now > c->turn_start)
            v->prompt_tps = v->last_prompt_tokens / (now - c->turn_start);
    } else if (now > c->first_token_time) {
        v->gen_tps = (c->n_turn_tokens - 1) / (now - c->first_token_time);
    }
    v->last_gen_tokens = c->n_turn_tokens;
    if (token == c->eos)
        m->ended_with_eos = 1;
    else if (message_append(m, text, length) == 0)
        message_add_token(m, token);
    record_step(c);
    v->version++;
    pthread_mutex_unlock(&c->lock);
    return atomic_load(&c->interrupt);
}

static void on_progress(double fraction, void *user)
{
    chat *c = user;
    pthread_mutex_lock(&c->lock);
    c->shared.load_progress = fraction;
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
}

static int load_engine(chat *c)
{
    mlavk_engine_params params = {.model_path = c->options.model_path, .device = c->options.device,
                                  .n_ctx = c->options.n_ctx, .profile = 1, .progress = on_progress,
                                  .progress_user = c};
    if (mlavk_engine_create(&params, &c->engine) != MLAVK_OK) {
        set_error(c, "loading the model");
        return -1;
    }
    if (mlavk_session_create(c->engine, NULL, &c->session) != MLAVK_OK) {
        pthread_mutex_lock(&c->lock);
        snprintf(c->shared.error, sizeof c->shared.error, "%s; `mlavk run` takes a prompt written in the model's "
                 "own format", mlavk_last_error());
        c->shared.version++;
        pthread_mutex_unlock(&c->lock);
        return -1;
    }
    mlavk_engine_info info;
    mlavk_engine_get_info(c->engine, &info);
    c->eos = info.eos_token;
    c->heat_k = info.n_expert_used <= 8 ? info.n_expert_used : 0;
    pthread_mutex_lock(&c->lock);
    chat_view *v = &c->shared;
    snprintf(v->device, sizeof v->device, "%s", info.device);
    snprintf(v->model, sizeof v->model, "%s", info.model_path);
    v->n_layer = info.n_layer < CHAT_MAX_LAYERS ? info.n_layer : CHAT_MAX_LAYERS;
    v->n_expert = info.n_expert < CHAT_MAX_EXPERTS ? info.n_expert : CHAT_MAX_EXPERTS;
    v->n_expert_used = info.n_expert_used;
    v->n_ctx = info.n_ctx;
    v->kv_bytes_per_token = info.kv_bytes_per_token;
    v->mha_kv_bytes_per_token = info.mha_kv_bytes_per_token;
    v->state = CHAT_IDLE;
    v->version++;
    pthread_mutex_unlock(&c->lock);
    return 0;
}

/* Drops the last two messages of a turn that put nothing into the cache. */
static void drop_turn(chat *c)
{
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < 2 && c->shared.n_messages > 0; i++)
        message_free(&c->shared.messages[--c->shared.n_messages]);
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
}

static void run_turn(chat *c, const char *text)
{
    mlavk_sampling sampling = mlavk_sampling_defaults();
    sampling.temperature = c->options.temperature;
    sampling.seed = c->options.seed;
    pthread_mutex_lock(&c->lock);
    int pushed = push_message(c, CHAT_USER) && message_append(&c->shared.messages[c->shared.n_messages - 1], text,
                                                               strlen(text)) == 0 && push_message(c, CHAT_MODEL);
    c->shared.state = CHAT_PROMPT;
    c->shared.error[0] = '\0';
    c->shared.last_prompt_tokens = 0;
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
    c->turn_start = now_seconds();
    c->n_turn_tokens = 0;
    mlavk_stats stats;
    mlavk_status status = !pushed ? MLAVK_ERR_OUT_OF_HOST_MEMORY
                                  : mlavk_session_turn(c->session, text, c->options.n_predict, &sampling, on_text, c,
                                                       &stats);
    pthread_mutex_lock(&c->lock);
    c->shared.n_past = mlavk_engine_n_past(c->engine);
    if (status == MLAVK_OK && stats.generation_seconds > 0 && stats.generated_tokens > 1)
        c->shared.gen_tps = stats.generated_tokens / stats.generation_seconds;
    c->shared.state = CHAT_IDLE;
    c->shared.turns_done++;
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
    if (status != MLAVK_OK) {
        set_error(c, status == MLAVK_ERR_CONTEXT_FULL ? "context full, press New chat" : "generation");
        if (c->n_turn_tokens == 0)
            drop_turn(c);
    }
}

static void new_conversation(chat *c)
{
    mlavk_session_clear(c->session);
    pthread_mutex_lock(&c->lock);
    clear_messages(&c->shared);
    c->heat_filled = c->heat_next = 0;
    update_heat(c);
    c->shared.n_past = 0;
    c->shared.n_ops = 0;
    c->shared.ops_total_ms = 0;
    c->shared.error[0] = '\0';
    c->shared.state = CHAT_IDLE; /* a turn queued before New chat was dropped with the request */
    c->shared.version++;
    pthread_mutex_unlock(&c->lock);
}

static void *worker(void *arg)
{
    chat *c = arg;
    if (load_engine(c) != 0) {
        pthread_mutex_lock(&c->lock);
        c->shared.state = CHAT_FAILED;
        c->shared.version++;
        pthread_mutex_unlock(&c->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&c->lock);
        while (!c->pending && !c->want_new && !c->quit)
            pthread_cond_wait(&c->wake, &c->lock);
        char *text = c->pending;
        int fresh = c->want_new, quit = c->quit;
        c->pending = NULL;
        c->want_new = 0;
        atomic_store(&c->interrupt, 0);
        pthread_mutex_unlock(&c->lock);
        if (quit) {
            free(text);
            break;
        }
        if (fresh)
            new_conversation(c);
        if (text)
            run_turn(c, text);
        free(text);
    }
    return NULL;
}

chat *chat_start(const chat_options *options)
{
    chat *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->options = *options;
    c->shared.state = CHAT_LOADING;
    c->shared.version = 1;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, worker, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake);
        free(c);
        return NULL;
    }
    return c;
}

void chat_stop_and_free(chat *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    c->quit = 1;
    atomic_store(&c->interrupt, 1);
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    mlavk_session_free(c->session);
    mlavk_engine_free(c->engine);
    free(c->pending);
    chat_view_free(&c->shared);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(c);
}

int chat_send(chat *c, const char *text)
{
    pthread_mutex_lock(&c->lock);
    int busy = c->shared.state != CHAT_IDLE || c->pending != NULL;
    char *copy = busy ? NULL : strdup(text);
    if (copy) {
        c->pending = copy;
        c->shared.state = CHAT_PROMPT; /* so a second send before the worker wakes is refused too */
        c->shared.version++;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->lock);
    return copy ? 0 : -1;
}

void chat_interrupt(chat *c) { atomic_store(&c->interrupt, 1); }

void chat_new(chat *c)
{
    pthread_mutex_lock(&c->lock);
    atomic_store(&c->interrupt, 1);
    free(c->pending);
    c->pending = NULL;
    c->want_new = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

static int copy_message(chat_message *dst, const chat_message *src)
{
    *dst = *src;
    dst->text = malloc(src->length + 1);
    dst->token_ids = malloc((src->n_tokens + 1) * sizeof *dst->token_ids);
    dst->token_end = malloc((src->n_tokens + 1) * sizeof *dst->token_end);
    if (!dst->text || !dst->token_ids || !dst->token_end)
        return -1;
    memcpy(dst->text, src->text, src->length + 1);
    memcpy(dst->token_ids, src->token_ids ? src->token_ids : dst->token_ids, src->n_tokens * sizeof *dst->token_ids);
    memcpy(dst->token_end, src->token_end ? src->token_end : dst->token_end, src->n_tokens * sizeof *dst->token_end);
    return 0;
}

int chat_copy_view(chat *c, chat_view *view)
{
    pthread_mutex_lock(&c->lock);
    int changed = c->shared.version != view->version;
    if (changed) {
        clear_messages(view);
        *view = c->shared;
        view->messages = calloc(c->shared.n_messages + 1, sizeof *view->messages);
        view->n_messages = 0;
        for (size_t i = 0; view->messages && i < c->shared.n_messages; i++) {
            if (copy_message(&view->messages[i], &c->shared.messages[i]) != 0) {
                message_free(&view->messages[i]);
                break;
            }
            view->n_messages++;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return changed;
}

void chat_view_free(chat_view *view) { clear_messages(view); }
