#include "sampler/sampler.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/status.h"

typedef struct candidate {
    uint32_t id;
    float logit;
    double p;
} candidate;

struct sampler {
    mlavk_sampling params;
    uint32_t n_vocab;
    uint64_t rng;
    candidate *candidates;
    uint32_t *history;     /* ring buffer of the last repeat_last_n tokens */
    uint32_t history_len, history_pos;
    /* with a frequency or presence penalty: how often each token was drawn, and the distinct ones drawn */
    uint32_t *draws;       /* [n_vocab] */
    uint32_t *drawn;       /* [n_vocab] */
    uint32_t n_drawn;
};

static bool counts_draws(const sampler *s)
{
    return s->params.frequency_penalty != 0.0f || s->params.presence_penalty != 0.0f;
}

mlavk_sampling mlavk_sampling_defaults(void)
{
    return (mlavk_sampling){.temperature = 0.8f,
                            .top_k = 40,
                            .top_p = 0.95f,
                            .min_p = 0.05f,
                            .repeat_penalty = 1.0f,
                            .repeat_last_n = 64,
                            .seed = 0};
}

mlavk_status sampler_create(const mlavk_sampling *params, uint32_t n_vocab, sampler **out)
{
    *out = NULL;
    if (n_vocab == 0)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "sampler: empty vocabulary");
    sampler *s = calloc(1, sizeof *s);
    if (!s)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "sampler: out of memory");
    s->params = *params;
    if (s->params.repeat_last_n < 0)
        s->params.repeat_last_n = 0;
    s->n_vocab = n_vocab;
    s->candidates = malloc(n_vocab * sizeof *s->candidates);
    s->history = malloc(((size_t)s->params.repeat_last_n + 1) * sizeof *s->history);
    if (counts_draws(s)) {
        s->draws = calloc(n_vocab, sizeof *s->draws);
        s->drawn = malloc(n_vocab * sizeof *s->drawn);
    }
    if (!s->candidates || !s->history || (counts_draws(s) && (!s->draws || !s->drawn))) {
        sampler_free(s);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "sampler: out of memory");
    }
    sampler_reset(s);
    *out = s;
    return MLAVK_OK;
}

void sampler_free(sampler *s)
{
    if (!s)
        return;
    free(s->candidates);
    free(s->history);
    free(s->draws);
    free(s->drawn);
    free(s);
}

void sampler_reset(sampler *s)
{
    s->rng = s->params.seed;
    s->history_len = s->history_pos = 0;
    for (uint32_t i = 0; i < s->n_drawn; i++)
        s->draws[s->drawn[i]] = 0;
    s->n_drawn = 0;
}

void sampler_accept(sampler *s, uint32_t token)
{
    uint32_t capacity = (uint32_t)s->params.repeat_last_n;
    if (capacity == 0)
        return;
    s->history[s->history_pos] = token;
    s->history_pos = (s->history_pos + 1) % capacity;
    if (s->history_len < capacity)
        s->history_len++;
}

/* splitmix64 mapped to [0, 1) with 53 bits. */
static double next_uniform(sampler *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

static int by_logit_descending(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit < y->logit ? 1 : -1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

static void apply_repeat_penalty(sampler *s)
{
    float penalty = s->params.repeat_penalty;
    if (penalty == 1.0f || penalty <= 0.0f)
        return;
    for (uint32_t i = 0; i < s->history_len; i++) {
        uint32_t id = s->history[i];
        if (id >= s->n_vocab)
            continue;
        /* each distinct token is penalised once, however often it appears */
        bool seen_before = false;
        for (uint32_t j = 0; j < i && !seen_before; j++)
            seen_before = s->history[j] == id;
        if (seen_before)
            continue;
        float *logit = &s->candidates[id].logit;
        *logit = *logit > 0 ? *logit / penalty : *logit * penalty;
    }
}

static void apply_frequency_and_presence_penalties(sampler *s)
{
    for (uint32_t i = 0; i < s->n_drawn; i++) {
        uint32_t id = s->drawn[i];
        s->candidates[id].logit -= (float)s->draws[id] * s->params.frequency_penalty + s->params.presence_penalty;
    }
}

static void count_draw(sampler *s, uint32_t token)
{
    if (!counts_draws(s))
        return;
    if (s->draws[token]++ == 0)
        s->drawn[s->n_drawn++] = token;
}

uint32_t sampler_sample(sampler *s, const float *logits)
{
    uint32_t n = s->n_vocab;
    for (uint32_t i = 0; i < n; i++)
        s->candidates[i] = (candidate){i, logits[i], 0};
    apply_repeat_penalty(s);
    apply_frequency_and_presence_penalties(s);
    uint32_t token;
    if (s->params.temperature <= 0.0f) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (s->candidates[i].logit > s->candidates[best].logit)
                best = i;
        token = best;
    } else {
        qsort(s->candidates, n, sizeof *s->candidates, by_logit_descending);
        if (s->params.top_k > 0 && (uint32_t)s->params.top_k < n)
            n = (uint32_t)s->params.top_k;
        double max_logit = s->candidates[0].logit, total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += s->candidates[i].p = exp((s->candidates[i].logit - max_logit) / s->params.temperature);
        if (s->params.top_p < 1.0f) {
            double cumulative = 0;
            for (uint32_t i = 0; i < n; i++) {
                cumulative += s->candidates[i].p / total;
                if (cumulative >= s->params.top_p) {
                    n = i + 1;
                    break;
                }
            }
        }
        if (s->params.min_p > 0.0f) {
            double floor_p = s->params.min_p * s->candidates[0].p;
            uint32_t kept = 1;
            while (kept < n && s->candidates[kept].p >= floor_p)
                kept++;
            n = kept;
        }
        total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += s->candidates[i].p;
        double r = next_uniform(s) * total;
        token = s->candidates[n - 1].id;
        for (uint32_t i = 0; i < n; i++) {
            r -= s->candidates[i].p;
            if (r < 0) {
                token = s->candidates[i].id;
                break;
            }
        }
    }
    sampler_accept(s, token);
    count_draw(s, token);
    return token;
}
