/* A chat kept in the engine's cache, turn by turn (see mlavk.h): the turn logic `mlavk chat` and the demo
 * share. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine_text.h"
#include "util/status.h"

struct mlavk_session {
    mlavk_engine *engine;
    mlavk_chat_template style;
    mlavk_chat_message *messages;  /* contents owned */
    size_t count, capacity;
    char *evaluated;               /* the rendering whose tokens the cache holds, the reply after it excluded */
    bool reply_ended;              /* the last reply ended with end-of-sequence */
    uint32_t prompt_tokens;        /* evaluated by the current or last turn before its reply */
};

static mlavk_status add_message(mlavk_session *s, const char *role, const char *content)
{
    if (s->count == s->capacity) {
        size_t capacity = s->capacity ? 2 * s->capacity : 8;
        mlavk_chat_message *grown = realloc(s->messages, capacity * sizeof *grown);
        if (!grown)
            return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "session: out of memory");
        s->messages = grown;
        s->capacity = capacity;
    }
    char *copy = strdup(content);
    if (!copy)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "session: out of memory");
    s->messages[s->count++] = (mlavk_chat_message){role, copy};
    return MLAVK_OK;
}

static void drop_last_message(mlavk_session *s) { free((char *)s->messages[--s->count].content); }

mlavk_status mlavk_session_create(mlavk_engine *engine, const char *system, mlavk_session **out)
{
    *out = NULL;
    mlavk_session *s = calloc(1, sizeof *s);
    if (!s)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "session: out of memory");
    s->engine = engine;
    mlavk_status status = mlavk_chat_template_of(engine->tokenizer, &s->style);
    if (status == MLAVK_OK && system)
        status = add_message(s, "system", system);
    if (status != MLAVK_OK) {
        mlavk_session_free(s);
        return status;
    }
    mlavk_engine_reset(engine);
    *out = s;
    return MLAVK_OK;
}

void mlavk_session_free(mlavk_session *s)
{
    if (!s)
        return;
    while (s->count)
        drop_last_message(s);
    free(s->messages);
    free(s->evaluated);
    free(s);
}

mlavk_chat_template mlavk_session_template(const mlavk_session *s) { return s->style; }

size_t mlavk_session_messages(const mlavk_session *s, const mlavk_chat_message **messages)
{
    *messages = s->messages;
    return s->count;
}

int mlavk_session_reply_ended(const mlavk_session *s) { return s->reply_ended; }

uint32_t mlavk_session_prompt_tokens(const mlavk_session *s) { return s->prompt_tokens; }

void mlavk_session_clear(mlavk_session *s)
{
    while (s->count && strcmp(s->messages[s->count - 1].role, "system") != 0)
        drop_last_message(s);
    free(s->evaluated);
    s->evaluated = NULL;
    s->reply_ended = false;
    mlavk_engine_reset(s->engine);
}

typedef struct turn {
    mlavk_session *session;
    text_stream *text;
    char *reply;
    size_t reply_length;
    uint32_t tokens;
    bool ended;
    mlavk_status failure;          /* out of memory while keeping the reply */
    mlavk_text_fn on_text;
    void *user;
} turn;

static int pass_text(turn *t, int32_t token)
{
    const char *text;
    size_t length;
    text_stream_output(t->text, &text, &length);
    char *grown = realloc(t->reply, t->reply_length + length + 1);
    if (!grown) {
        t->failure = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "session: out of memory");
        return 1;
    }
    memcpy(grown + t->reply_length, text, length);
    t->reply_length += length;
    grown[t->reply_length] = '\0';
    t->reply = grown;
    text_stream_clear_output(t->text);
    return t->on_text ? t->on_text(token, text, length, t->user) : 0;
}

static int on_token(int32_t token, void *user)
{
    turn *t = user;
    t->tokens++;
    if (token == (int32_t)t->session->engine->model->config.eos_token_id) {
        t->ended = true;
        return t->on_text ? t->on_text(token, "", 0, t->user) : 0;
    }
    bool stopped;
    if (text_stream_feed(t->text, token, &stopped) != MLAVK_OK) {
        t->failure = MLAVK_ERR_OUT_OF_HOST_MEMORY;
        return 1;
    }
    return pass_text(t, token);
}

/* The previous reply as the cache holds it, for mlavk_chat_turn. */
static const char *previous_reply(const mlavk_session *s)
{
    if (s->count >= 2 && strcmp(s->messages[s->count - 2].role, "assistant") == 0)
        return s->messages[s->count - 2].content;
    return "";
}

mlavk_status mlavk_session_turn(mlavk_session *s, const char *user_text, uint32_t n_predict,
                                const mlavk_sampling *sampling, mlavk_text_fn on_text, void *user,
                                mlavk_stats *stats)
{
    MLAVK_TRY(add_message(s, "user", user_text));
    bool cached = s->evaluated && mlavk_engine_n_past(s->engine) > 0;
    char *rendering = NULL;
    int32_t *ids = NULL;
    size_t n = 0;
    int restart = 0;
    mlavk_status status = mlavk_chat_turn(s->engine->tokenizer, s->style, s->messages, s->count,
                                          cached ? s->evaluated : NULL, previous_reply(s),
                                          s->reply_ended ? (int32_t)s->engine->model->config.eos_token_id : -1,
                                          &rendering, &ids, &n, &restart);
    turn t = {.session = s, .on_text = on_text, .user = user};
    if (status == MLAVK_OK)
        status = text_stream_create(s->engine->tokenizer, NULL, 0, &t.text);
    if (status == MLAVK_OK) {
        if (restart)
            mlavk_engine_reset(s->engine);
        s->prompt_tokens = (uint32_t)n;
        status = mlavk_engine_generate(s->engine, ids, (uint32_t)n, n_predict, sampling, on_token, &t, stats);
        if (text_stream_flush(t.text) == MLAVK_OK)
            pass_text(&t, -1);
        if (status == MLAVK_OK)
            status = t.failure;
    }
    /* The cache now holds the rendering, unless the turn failed before its first token: a full context changes
     * nothing, any other failure may leave part of the turn, so the next one starts over. */
    mlavk_status kept = status == MLAVK_OK || t.tokens > 0 ? add_message(s, "assistant", t.reply ? t.reply : "")
                                                           : status;
    if (kept == MLAVK_OK) {
        free(s->evaluated);
        s->evaluated = rendering;
        s->reply_ended = t.ended;
    } else {
        free(rendering);
        drop_last_message(s);
        if (kept != MLAVK_ERR_CONTEXT_FULL) {
            mlavk_engine_reset(s->engine);
            free(s->evaluated);
            s->evaluated = NULL;
        }
        status = status == MLAVK_OK ? kept : status;
    }
    text_stream_free(t.text);
    free(t.reply);
    free(ids);
    return status;
}
