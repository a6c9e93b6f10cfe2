/* The prefill attention form is chosen by weighted operation count: the counts equal a token-by-token tally
 * written out here, with plain and with lavapipe's weights; by plain counts (GPUs) the expanded form wins for a
 * fresh prompt and for large batches over a deep cache, the absorbed form for small batches over a deep cache
 * (crossover near 171 tokens at V2-Lite widths); with lavapipe's weights the crossover comes much earlier; the
 * forced forms, decode and a sequence longer than the expansion scratch behave as documented. No device needed. */
#include <stdio.h>
#include <stdlib.h>

#include "model/model.h"
#include "test_util.h"

static deepseek_config v2_lite(void)
{
    deepseek_config c = {0};
    c.n_head = 16;
    c.qk_nope_head_dim = 128;
    c.qk_rope_head_dim = 64;
    c.v_head_dim = 128;
    c.kv_lora_rank = 512;
    return c;
}

/* One token at a time: the weighted operations each form spends on token b, which sees n_past + b + 1 keys. */
static double tally(const deepseek_config *c, uint32_t n_tokens, uint32_t n_past, int expanded,
                    const model_attention_costs *w)
{
    const double H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim, dv = c->v_head_dim;
    const double r = c->kv_lora_rank;
    double total = 0;
    if (expanded) /* keys and values for every cached token, batch included */
        for (uint32_t t = 0; t < n_past + n_tokens; t++)
            total += w->products * H * (2 * dn * r + 2 * dv * r);
    for (uint32_t b = 0; b < n_tokens; b++) {
        double keys = n_past + b + 1;
        if (expanded)
            total += w->pairs * H * keys * (2 * (dn + dr) + 2 * dv);
        else /* absorb W_UK into the query, score latent + rope, output latent, apply W_UV */
            total += w->per_head * H * (2 * dn * r + 2 * r * dv) + w->pairs * H * keys * (2 * (r + dr) + 2 * r);
    }
    return total;
}

static uint32_t crossover(const deepseek_config *c, uint32_t n_past, const model_attention_costs *w)
{
    for (uint32_t b = 2; b < 100000; b++)
        if (model_attention_cost(c, b, n_past, true, w) < model_attention_cost(c, b, n_past, false, w))
            return b;
    return 0;
}

int main(void)
{
    deepseek_config c = v2_lite();
    const uint32_t shapes[][2] = {{1, 0}, {7, 0}, {64, 0}, {3, 500}, {64, 4096}, {512, 4096}, {333, 17}};
    const model_attention_costs *weights[] = {&model_costs_operations, &model_costs_cpu};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int expanded = 0; expanded < 2; expanded++)
            for (int k = 0; k < 2; k++) {
                double got = model_attention_cost(&c, shapes[i][0], shapes[i][1], expanded, weights[k]);
                double want = tally(&c, shapes[i][0], shapes[i][1], expanded, weights[k]);
                CHECK_MSG(got == want, "%s, %u tokens after %u: %.0f, the tally says %.0f",
                          expanded ? "expanded" : "absorbed", shapes[i][0], shapes[i][1], got, want);
            }

    for (uint32_t b = 2; b <= 1024; b *= 2)
        CHECK_MSG(model_attention_cost(&c, b, 0, true, &model_costs_operations) <
                      model_attention_cost(&c, b, 0, false, &model_costs_operations),
                  "a fresh prompt of %u tokens should favour the expanded form", b);
    uint32_t deep = crossover(&c, 4096, &model_costs_operations);
    uint32_t deep_cpu = crossover(&c, 1024, &model_costs_cpu);
    printf("V2-Lite widths: expanded from %u tokens per batch after 4096 cached tokens by plain operation counts,\n"
           "from %u after 1024 with lavapipe's weights\n", deep, deep_cpu);
    CHECK_MSG(deep >= 150 && deep <= 200, "crossover at %u tokens, expected about 171", deep);
    CHECK_MSG(deep_cpu >= 2 && deep_cpu < 64, "lavapipe crossover at %u tokens, measured below 64", deep_cpu);

    model m = {.config = c};
    model_state s = {.prefill = MODEL_PREFILL_AUTO, .attention_costs = model_costs_operations, .expand_rows = 8192};
    CHECK(!model_prefill_is_expanded(&m, &s, 64, 4096));
    CHECK(model_prefill_is_expanded(&m, &s, 512, 4096));
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 1, 4096), "decode is always absorbed");
    s.prefill = MODEL_PREFILL_EXPANDED;
    CHECK(model_prefill_is_expanded(&m, &s, 2, 4096));
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 1, 4096), "decode is always absorbed");
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 4097, 4096), "8193 tokens do not fit 8192 scratch rows");
    s.prefill = MODEL_PREFILL_ABSORBED;
    CHECK(!model_prefill_is_expanded(&m, &s, 512, 4096));
    s.prefill = MODEL_PREFILL_AUTO;
    s.expand_rows = 0;
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 512, 4096), "no scratch, no expanded form");
    return test_finish("prefill_attention_choice");
}
