/* Decoding: ids to the bytes their tokens stand for, whole or one id at a time. Output is valid UTF-8: each
 * invalid sequence becomes U+FFFD, as HF's decode (String::from_utf8_lossy) does. */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_internal.h"
#include "tokenizer/tok_utf8.h"
#include "util/status.h"

struct mlavk_detokenizer {
    const mlavk_tokenizer *tokenizer;
    char *pending; /* bytes not yet returned: at most an unfinished character plus the newest token */
    size_t pending_length, pending_capacity;
    char *output;  /* what the last call returned */
    size_t output_capacity;
};

uint32_t mlavk_tokenizer_vocab_size(const mlavk_tokenizer *t) { return t->token_count; }
int32_t mlavk_tokenizer_bos(const mlavk_tokenizer *t) { return t->bos_id; }
int32_t mlavk_tokenizer_eos(const mlavk_tokenizer *t) { return t->eos_id; }
int mlavk_tokenizer_adds_bos(const mlavk_tokenizer *t) { return t->add_bos; }

static mlavk_status check_id(const mlavk_tokenizer *t, int32_t id)
{
    if (id < 0 || (uint32_t)id >= t->token_count)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%s: token id %d is outside the vocabulary (0..%u)", t->source,
                          id, t->token_count - 1);
    return MLAVK_OK;
}

mlavk_status mlavk_token_bytes(const mlavk_tokenizer *t, int32_t id, const char **bytes, size_t *length)
{
    MLAVK_TRY(check_id(t, id));
    *bytes = t->decoded + t->decoded_offset[id];
    *length = t->decoded_offset[id + 1] - t->decoded_offset[id];
    return MLAVK_OK;
}

int mlavk_token_is_special(const mlavk_tokenizer *t, int32_t id)
{
    return id >= 0 && (uint32_t)id < t->token_count && t->types[id] == TOK_TYPE_CONTROL;
}

mlavk_status mlavk_detokenize(const mlavk_tokenizer *t, const int32_t *ids, size_t count, char **text,
                              size_t *length)
{
    *text = NULL;
    *length = 0;
    size_t raw_length = 0;
    for (size_t i = 0; i < count; i++) {
        MLAVK_TRY(check_id(t, ids[i]));
        raw_length += t->decoded_offset[ids[i] + 1] - t->decoded_offset[ids[i]];
    }
    char *raw = malloc(raw_length + 1), *repaired = malloc(3 * raw_length + 1);
    if (!raw || !repaired) {
        free(raw);
        free(repaired);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory decoding %zu tokens", t->source, count);
    }
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        size_t n = t->decoded_offset[ids[i] + 1] - t->decoded_offset[ids[i]];
        memcpy(raw + offset, t->decoded + t->decoded_offset[ids[i]], n);
        offset += n;
    }
    *length = tok_utf8_repair(raw, raw_length, repaired);
    repaired[*length] = '\0';
    free(raw);
    *text = repaired;
    return MLAVK_OK;
}

mlavk_status mlavk_detokenizer_create(const mlavk_tokenizer *t, mlavk_detokenizer **detokenizer)
{
    *detokenizer = calloc(1, sizeof **detokenizer);
    if (!*detokenizer)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory for a detokenizer", t->source);
    (*detokenizer)->tokenizer = t;
    return MLAVK_OK;
}

void mlavk_detokenizer_free(mlavk_detokenizer *d)
{
    if (!d)
        return;
    free(d->pending);
    free(d->output);
    free(d);
}

static mlavk_status reserve(char **buffer, size_t *capacity, size_t needed)
{
    if (needed <= *capacity)
        return MLAVK_OK;
    size_t grown_capacity = needed < 64 ? 64 : 2 * needed;
    char *grown = realloc(*buffer, grown_capacity);
    if (!grown)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "detokenizer: out of memory for %zu bytes", needed);
    *buffer = grown;
    *capacity = grown_capacity;
    return MLAVK_OK;
}

/* Returns the first `ready` pending bytes (repaired) and keeps the rest for the next call. */
static mlavk_status emit(mlavk_detokenizer *d, size_t ready, const char **text, size_t *length)
{
    MLAVK_TRY(reserve(&d->output, &d->output_capacity, 3 * ready + 1));
    *length = tok_utf8_repair(d->pending, ready, d->output);
    d->output[*length] = '\0';
    if (d->pending_length > ready)
        memmove(d->pending, d->pending + ready, d->pending_length - ready);
    d->pending_length -= ready;
    *text = d->output;
    return MLAVK_OK;
}

mlavk_status mlavk_detokenizer_feed(mlavk_detokenizer *d, int32_t id, const char **text, size_t *length)
{
    *text = "";
    *length = 0;
    const char *bytes;
    size_t n;
    MLAVK_TRY(mlavk_token_bytes(d->tokenizer, id, &bytes, &n));
    MLAVK_TRY(reserve(&d->pending, &d->pending_capacity, d->pending_length + n));
    memcpy(d->pending + d->pending_length, bytes, n);
    d->pending_length += n;
    size_t held = tok_utf8_incomplete_tail(d->pending, d->pending_length);
    return emit(d, d->pending_length - held, text, length);
}

mlavk_status mlavk_detokenizer_finish(mlavk_detokenizer *d, const char **text, size_t *length)
{
    return emit(d, d->pending_length, text, length);
}
