/* Token text with stop strings: see engine_text.h. */
#include "engine_text.h"

#include <stdlib.h>
#include <string.h>

#include "util/status.h"

struct text_stream {
    mlavk_detokenizer *detokenizer;
    char **stop;
    uint32_t n_stop;
    char *held;                  /* decoded text not yet output: it may begin a stop string */
    size_t n_held;
    char *out;                   /* output since the last take */
    size_t n_out;
    bool stopped;
};

static mlavk_status append(char **buffer, size_t *used, const char *text, size_t length)
{
    char *grown = realloc(*buffer, *used + length + 1);
    if (!grown)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "text stream: out of memory");
    memcpy(grown + *used, text, length);
    *used += length;
    grown[*used] = '\0';
    *buffer = grown;
    return MLAVK_OK;
}

mlavk_status text_stream_create(const mlavk_tokenizer *tokenizer, const char *const *stop, uint32_t n_stop,
                                text_stream **out)
{
    *out = NULL;
    text_stream *t = calloc(1, sizeof *t);
    if (!t || (n_stop && !(t->stop = calloc(n_stop, sizeof *t->stop)))) {
        free(t);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "text stream: out of memory");
    }
    mlavk_status status = mlavk_detokenizer_create(tokenizer, &t->detokenizer);
    for (uint32_t i = 0; status == MLAVK_OK && i < n_stop; i++) {
        if (!stop[i] || !stop[i][0])
            continue;
        if (!(t->stop[t->n_stop++] = strdup(stop[i])))
            status = mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "text stream: out of memory");
    }
    if (status != MLAVK_OK) {
        text_stream_free(t);
        return status;
    }
    *out = t;
    return MLAVK_OK;
}

void text_stream_free(text_stream *t)
{
    if (!t)
        return;
    mlavk_detokenizer_free(t->detokenizer);
    for (uint32_t i = 0; i < t->n_stop; i++)
        free(t->stop[i]);
    free(t->stop);
    free(t->held);
    free(t->out);
    free(t);
}

/* Length of the longest end of the held text that is the beginning of a stop string. */
static size_t partial_stop_length(const text_stream *t)
{
    size_t best = 0;
    for (uint32_t i = 0; i < t->n_stop; i++) {
        size_t n = strlen(t->stop[i]);
        for (size_t k = (n - 1 < t->n_held ? n - 1 : t->n_held); k > best; k--)
            if (memcmp(t->held + t->n_held - k, t->stop[i], k) == 0) {
                best = k;
                break;
            }
    }
    return best;
}

/* Outputs the held text up to the first stop string (then stops), or all but a possible stop beginning. */
static mlavk_status release(text_stream *t)
{
    size_t first = t->n_held;
    for (uint32_t i = 0; i < t->n_stop; i++) {
        size_t n = strlen(t->stop[i]);
        for (size_t at = 0; at + n <= t->n_held && at < first; at++)
            if (memcmp(t->held + at, t->stop[i], n) == 0) {
                first = at;
                t->stopped = true;
                break;
            }
    }
    size_t keep = t->stopped ? 0 : partial_stop_length(t);
    size_t out = t->stopped ? first : t->n_held - keep;
    MLAVK_TRY(append(&t->out, &t->n_out, t->held, out));
    memmove(t->held, t->held + t->n_held - keep, keep);
    t->n_held = keep;
    return MLAVK_OK;
}

mlavk_status text_stream_feed(text_stream *t, int32_t token, bool *stopped)
{
    *stopped = t->stopped;
    if (t->stopped)
        return MLAVK_OK;
    const char *text;
    size_t length;
    MLAVK_TRY(mlavk_detokenizer_feed(t->detokenizer, token, &text, &length));
    MLAVK_TRY(append(&t->held, &t->n_held, text, length));
    MLAVK_TRY(release(t));
    *stopped = t->stopped;
    return MLAVK_OK;
}

mlavk_status text_stream_flush(text_stream *t)
{
    if (t->stopped)
        return MLAVK_OK;
    const char *text;
    size_t length;
    MLAVK_TRY(mlavk_detokenizer_finish(t->detokenizer, &text, &length));
    MLAVK_TRY(append(&t->held, &t->n_held, text, length));
    MLAVK_TRY(release(t));
    MLAVK_TRY(append(&t->out, &t->n_out, t->held, t->n_held));
    t->n_held = 0;
    return MLAVK_OK;
}

void text_stream_output(const text_stream *t, const char **text, size_t *length)
{
    *text = t->out ? t->out : "";
    *length = t->n_out;
}

void text_stream_clear_output(text_stream *t) { t->n_out = 0; }
