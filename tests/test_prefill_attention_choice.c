/* The prefill attention form is chosen by operation count: the counts equal a token-by-token tally written out
 * here, the expanded form wins for a fresh prompt and for large batches over a deep cache, the absorbed form for
 * small batches over a deep cache (crossover near 171 tokens at V2-Lite widths), and the forced forms, decode and
 * a sequence longer than the expansion scratch behave as documented. No device is needed. */
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

/* One token at a time: the operations each form spends on token b, which sees n_past + b + 1 keys. */
static double tally(const deepseek_config *c, uint32_t n_tokens, uint32_t n_past, int expanded)
{
    const double H = c->n_head, dn = c->qk_nope_head_dim, dr = c->qk_rope_head_dim, dv = c->v_head_dim;
    const double r = c->kv_lora_rank;
    double total = 0;
    if (expanded) /* keys and values for every cached token, batch included */
        for (uint32_t t = 0; t < n_past + n_tokens; t++)
            total += H * (2 * dn * r + 2 * dv * r);
    for (uint32_t b = 0; b < n_tokens; b++) {
        double keys = n_past + b + 1;
        if (expanded)
            total += H * keys * (2 * (dn + dr) + 2 * dv);
        else /* absorb W_UK into the query, score latent + rope, output latent, apply W_UV */
            total += H * (2 * dn * r + keys * 2 * (r + dr) + keys * 2 * r + 2 * r * dv);
    }
    return total;
}

static uint32_t crossover(const deepseek_config *c, uint32_t n_past)
{
    for (uint32_t b = 2; b < 100000; b++)
        if (model_attention_flops(c, b, n_past, true) < model_attention_flops(c, b, n_past, false))
            return b;
    return 0;
}

int main(void)
{
    deepseek_config c = v2_lite();
    const uint32_t shapes[][2] = {{1, 0}, {7, 0}, {64, 0}, {3, 500}, {64, 4096}, {512, 4096}, {333, 17}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int expanded = 0; expanded < 2; expanded++) {
            double got = model_attention_flops(&c, shapes[i][0], shapes[i][1], expanded);
            double want = tally(&c, shapes[i][0], shapes[i][1], expanded);
            CHECK_MSG(got == want, "%s, %u tokens after %u: %.0f operations, the tally says %.0f",
                      expanded ? "expanded" : "absorbed", shapes[i][0], shapes[i][1], got, want);
        }

    for (uint32_t b = 2; b <= 1024; b *= 2)
        CHECK_MSG(model_attention_flops(&c, b, 0, true) < model_attention_flops(&c, b, 0, false),
                  "a fresh prompt of %u tokens should favour the expanded form", b);
    uint32_t deep = crossover(&c, 4096);
    printf("V2-Lite widths after 4096 cached tokens: expanded from %u tokens per batch\n", deep);
    CHECK_MSG(deep >= 150 && deep <= 200, "crossover at %u tokens, expected about 171", deep);

    model m = {.config = c};
    model_state s = {.prefill = MODEL_PREFILL_AUTO, .expand_rows = 8192, .n_past = 4096};
    CHECK(!model_prefill_is_expanded(&m, &s, 64));
    CHECK(model_prefill_is_expanded(&m, &s, 512));
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 1), "decode is always absorbed");
    s.prefill = MODEL_PREFILL_EXPANDED;
    CHECK(model_prefill_is_expanded(&m, &s, 2));
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 1), "decode is always absorbed");
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 4097), "8193 tokens do not fit 8192 scratch rows");
    s.prefill = MODEL_PREFILL_ABSORBED;
    CHECK(!model_prefill_is_expanded(&m, &s, 512));
    s.prefill = MODEL_PREFILL_AUTO;
    s.expand_rows = 0;
    CHECK_MSG(!model_prefill_is_expanded(&m, &s, 512), "no scratch, no expanded form");
    return test_finish("prefill_attention_choice");
}
