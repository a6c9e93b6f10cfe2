/* Generated tokens to text, for sessions and batch sequences: UTF-8 completed across tokens, and stop strings
 * found in the text, the text that may still begin one held back until it cannot. */
#ifndef MLAVK_ENGINE_TEXT_H
#define MLAVK_ENGINE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "mlavk.h"

typedef struct text_stream text_stream;

/* stop: n_stop strings (copied; empty ones ignored). */
mlavk_status text_stream_create(const mlavk_tokenizer *tokenizer, const char *const *stop, uint32_t n_stop,
                                text_stream **out);
void text_stream_free(text_stream *t);

/* Adds a token's text; the text now final goes to the output. Sets *stopped when a stop string appeared: the
 * text before it is output, the rest dropped, and later tokens are ignored. */
mlavk_status text_stream_feed(text_stream *t, int32_t token, bool *stopped);

/* Outputs what is held back (an unfinished character as U+FFFD, a partial stop string as text). */
mlavk_status text_stream_flush(text_stream *t);

/* The output since the last clear; valid until the next feed or flush. */
void text_stream_output(const text_stream *t, const char **text, size_t *length);
void text_stream_clear_output(text_stream *t);

#endif
