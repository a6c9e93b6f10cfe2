/* Frequency and presence penalties (OpenAI's): each greedy draw is the argmax of logits from which every token
 * drawn c times so far lost c x frequency + presence, computed here in double precision from the definition;
 * prompt tokens (sampler_accept) count for nothing, and sampler_reset forgets the draws. */
#include <stdio.h>

#include "sampler/sampler.h"
#include "test_util.h"

#define V 37
#define STEPS 300

/* The reference draw: the argmax of the penalised logits, lowest id on ties. */
static uint32_t reference_draw(const float *logits, const uint32_t *counts, double frequency, double presence)
{
    uint32_t best = 0;
    double best_value = 0;
    for (uint32_t i = 0; i < V; i++) {
        double v = logits[i] - counts[i] * frequency - (counts[i] > 0) * presence;
        if (i == 0 || v > best_value) {
            best = i;
            best_value = v;
        }
    }
    return best;
}

/* STEPS greedy draws from fresh random logits each; returns the draws that differ from the plain argmax. */
static uint32_t check_draws(sampler *s, test_rng *rng, double frequency, double presence, const char *label)
{
    uint32_t counts[V] = {0}, penalised = 0, mismatches = 0;
    float logits[V];
    for (uint32_t step = 0; step < STEPS; step++) {
        test_rng_fill(rng, logits, V, -2.0f, 2.0f);
        uint32_t want = reference_draw(logits, counts, frequency, presence);
        uint32_t got = sampler_sample(s, logits);
        mismatches += got != want;
        penalised += want != reference_draw(logits, (uint32_t[V]){0}, 0, 0);
        counts[want]++;
    }
    CHECK_MSG(mismatches == 0, "%s: %u of %d draws differ from the reference", label, mismatches, STEPS);
    return penalised;
}

int main(void)
{
    test_rng rng = {0x5a3b1e5};
    const double settings[][2] = {{0.7, 0}, {0, 1.3}, {0.4, 0.9}, {-0.5, 0.25}};
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        mlavk_sampling p = mlavk_sampling_defaults();
        p.temperature = 0;
        p.frequency_penalty = (float)settings[i][0];
        p.presence_penalty = (float)settings[i][1];
        sampler *s = NULL;
        CHECK(sampler_create(&p, V, &s) == MLAVK_OK);
        if (!s)
            continue;
        for (uint32_t t = 0; t < V; t++)
            sampler_accept(s, t); /* a prompt of every token: no penalty */
        char label[64];
        snprintf(label, sizeof label, "frequency %g presence %g", settings[i][0], settings[i][1]);
        uint32_t penalised = check_draws(s, &rng, p.frequency_penalty, p.presence_penalty, label);
        CHECK_MSG(penalised >= 10, "%s: only %u draws changed by the penalties", label, penalised);
        sampler_reset(s);
        check_draws(s, &rng, p.frequency_penalty, p.presence_penalty, label); /* the counts start again at 0 */
        sampler_free(s);
    }
    return test_finish("sampler penalties");
}
