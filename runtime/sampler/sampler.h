/* Token sampling from a row of logits on the host (floor 0: no Vulkan). */
#ifndef MLAVK_SAMPLER_H
#define MLAVK_SAMPLER_H

#include <stdint.h>

#include "mlavk.h"

typedef struct sampler sampler;

mlavk_status sampler_create(const mlavk_sampling *params, uint32_t n_vocab, sampler **out);
void sampler_free(sampler *s);

/* Chooses the next token from logits[n_vocab] (not modified) and remembers it for the penalties. */
uint32_t sampler_sample(sampler *s, const float *logits);

/* Remembers a token that was not sampled (prompt tokens) for the repetition penalty (not for the frequency and
 * presence penalties, which count draws only). */
void sampler_accept(sampler *s, uint32_t token);

/* Forgets the history and restarts the random sequence from the seed. */
void sampler_reset(sampler *s);

#endif
