/* Sampling: greedy is the argmax, a seed reproduces its tokens, and the empirical distribution of draws
 * matches the filtered softmax computed here independently in double precision. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sampler/sampler.h"
#include "test_util.h"

#define V 37
#define DRAWS 40000

static uint32_t draw_once(const mlavk_sampling *params, const float *logits)
{
    sampler *s;
    CHECK(sampler_create(params, V, &s) == MLAVK_OK);
    uint32_t t = sampler_sample(s, logits);
    sampler_free(s);
    return t;
}

/* Expected probabilities after top-k, temperature, top-p and min-p, from the definitions. */
static void expected_distribution(const float *logits, const mlavk_sampling *p, double *expect)
{
    int order[V];
    for (int i = 0; i < V; i++)
        order[i] = i;
    for (int i = 0; i < V; i++) /* selection sort by logit, descending, ties by id */
        for (int j = i + 1; j < V; j++)
            if (logits[order[j]] > logits[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    int n = p->top_k > 0 && p->top_k < V ? p->top_k : V;
    double w[V], total = 0;
    for (int i = 0; i < n; i++)
        total += w[i] = exp((double)(logits[order[i]] - logits[order[0]]) / p->temperature);
    double cumulative = 0;
    for (int i = 0; i < n; i++) {
        cumulative += w[i] / total;
        if (cumulative >= p->top_p) {
            n = i + 1;
            break;
        }
    }
    int kept = 1;
    while (kept < n && w[kept] >= p->min_p * w[0])
        kept++;
    n = kept;
    total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    for (int i = 0; i < V; i++)
        expect[i] = 0;
    for (int i = 0; i < n; i++)
        expect[order[i]] = w[i] / total;
}

static void check_distribution(const float *logits, mlavk_sampling params, const char *label)
{
    double expect[V];
    expected_distribution(logits, &params, expect);
    sampler *s;
    CHECK(sampler_create(&params, V, &s) == MLAVK_OK);
    int counts[V] = {0};
    for (int i = 0; i < DRAWS; i++)
        counts[sampler_sample(s, logits)]++;
    sampler_free(s);
    double worst = 0;
    for (int i = 0; i < V; i++) {
        CHECK_MSG(expect[i] > 0 || counts[i] == 0, "%s: token %d drawn %d times but filtered out", label, i,
                  counts[i]);
        /* 5 standard deviations of a binomial count, plus slack for tiny probabilities */
        double sd = sqrt(DRAWS * expect[i] * (1 - expect[i])) + 1;
        double z = fabs(counts[i] - DRAWS * expect[i]) / sd;
        worst = z > worst ? z : worst;
        CHECK_MSG(z < 5, "%s: token %d drawn %d times, expected %.1f", label, i, counts[i], DRAWS * expect[i]);
    }
    printf("  %-40s worst deviation %.2f sd\n", label, worst);
}

int main(void)
{
    test_rng rng = {3};
    float logits[V];
    test_rng_fill(&rng, logits, V, -3, 3);
    uint32_t argmax = 0;
    for (uint32_t i = 1; i < V; i++)
        if (logits[i] > logits[argmax])
            argmax = i;

    mlavk_sampling greedy = mlavk_sampling_defaults();
    greedy.temperature = 0;
    CHECK(draw_once(&greedy, logits) == argmax);
    mlavk_sampling top1 = mlavk_sampling_defaults();
    top1.top_k = 1;
    CHECK(draw_once(&top1, logits) == argmax);

    /* the same seed gives the same sequence; another seed a different one */
    mlavk_sampling params = mlavk_sampling_defaults();
    params.top_k = 0;
    params.top_p = 1;
    params.min_p = 0;
    params.temperature = 1.5f;
    params.seed = 1234;
    uint32_t first[64], second[64], other[64];
    sampler *s;
    CHECK(sampler_create(&params, V, &s) == MLAVK_OK);
    for (int i = 0; i < 64; i++)
        first[i] = sampler_sample(s, logits);
    sampler_reset(s);
    for (int i = 0; i < 64; i++)
        second[i] = sampler_sample(s, logits);
    sampler_free(s);
    params.seed = 99;
    CHECK(sampler_create(&params, V, &s) == MLAVK_OK);
    int differ = 0;
    for (int i = 0; i < 64; i++)
        differ += (other[i] = sampler_sample(s, logits)) != first[i];
    sampler_free(s);
    for (int i = 0; i < 64; i++)
        CHECK(first[i] == second[i]);
    CHECK(differ > 0);

    check_distribution(logits, params, "temperature 1.5");
    params.top_k = 7;
    params.temperature = 0.7f;
    check_distribution(logits, params, "top-k 7, temperature 0.7");
    params.top_k = 0;
    params.top_p = 0.6f;
    check_distribution(logits, params, "top-p 0.6");
    params.top_p = 1;
    params.min_p = 0.2f;
    check_distribution(logits, params, "min-p 0.2");

    /* a repeated token loses its lead under the penalty */
    float two[V];
    for (int i = 0; i < V; i++)
        two[i] = -5;
    two[4] = 2.0f;
    two[9] = 1.5f;
    mlavk_sampling penalty = greedy;
    penalty.repeat_penalty = 1.5f;
    penalty.repeat_last_n = 8;
    CHECK(sampler_create(&penalty, V, &s) == MLAVK_OK);
    CHECK(sampler_sample(s, two) == 4);
    CHECK(sampler_sample(s, two) == 9); /* 2.0 / 1.5 < 1.5 */
    sampler_free(s);
    return test_finish("sampler");
}
