/* End to end: a small GQA model (D 64, 8 query heads over 2 KV heads of 16, 2 layers, F32), written as a llama.cpp
 * GGUF (tests/model_writer_gqa.c) and read back by gqa_model_open, converted by TransMLA with --exact, then run by
 * mlavk (F32 latent cache; the prompt as one batch in the expanded form, and token by token in the absorbed decode
 * form): every position's logits equal the double-precision GQA reference (tests/ref/ref_gqa.c) within 1e-4
 * max-abs. Llama with Llama 3.1 rope factors (rope_freqs in the output), and Qwen2 with q/k/v biases (attn_q.bias,
 * attn_kv_a_mqa.bias). A compressed conversion (rope dim 8, kv rank 32, calibrated on 256 tokens, --freqfold auto)
 * runs too and gives finite logits that differ from the reference; auto chose the freqfold of lowest perplexity. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "convert/transmla.h"
#include "model_writer.h"
#include "model_writer_gqa.h"
#include "ref/ref_gqa.h"
#include "test_util.h"

#define N_TOKENS 11

static void run_mla(const char *path, mlavk_prefill_attention prefill, int one_by_one, const int32_t *tokens,
                    float *logits)
{
    mlavk_engine_params p = {.model_path = path, .n_ctx = 64, .kv_f32 = 1, .prefill_attention = prefill};
    mlavk_engine *e;
    mlavk_status status = mlavk_engine_create(&p, &e);
    CHECK_MSG(status == MLAVK_OK, "engine for %s: %s", path, mlavk_last_error());
    if (status != MLAVK_OK)
        return;
    CHECK(mlavk_engine_eval(e, tokens, N_TOKENS, 1, one_by_one, logits) == MLAVK_OK);
    mlavk_engine_free(e);
}

/* tokenizer.* keys only: tokens t0.., no merges, pre deepseek-v3. */
static void tokenizer_gguf(uint32_t vocab, byte_buf *out)
{
    gguf_writer w;
    gw_init(&w);
    gw_str(&w, "tokenizer.ggml.model", "gpt2");
    gw_str(&w, "tokenizer.ggml.pre", "deepseek-v3");
    gw_key(&w, "tokenizer.ggml.tokens", 9);
    bb_u32(&w.kv, 8);
    bb_u64(&w.kv, vocab);
    for (uint32_t i = 0; i < vocab; i++) {
        char token[16];
        snprintf(token, sizeof token, "t%u", i);
        bb_str(&w.kv, token);
    }
    gw_key(&w, "tokenizer.ggml.merges", 9);
    bb_u32(&w.kv, 8);
    bb_u64(&w.kv, 0);
    gw_u32(&w, "tokenizer.ggml.bos_token_id", 1);
    gw_u32(&w, "tokenizer.ggml.eos_token_id", 2);
    gw_finish(&w, out);
}

static void variant(bool qwen2, test_rng *rng)
{
    gqa_tiny t;
    gqa_tiny_default(&t, qwen2);
    t.H = 8, t.H_kv = 2, t.d = 16, t.llama3_rope = !qwen2;
    const char *gqa_path = qwen2 ? "transmla_qwen2.gguf" : "transmla_llama.gguf";
    CHECK(gqa_tiny_write_gguf(&t, gqa_path));
    gqa_model *m;
    if (gqa_model_open(gqa_path, &m) != MLAVK_OK) {
        CHECK_MSG(false, "%s", mlavk_last_error());
        return;
    }
    /* The converted file carries a tokenizer mlavk loads (a DeepSeek V3 one of the same vocabulary size): what is
     * under test is the weights, not the GQA file's pre-tokenizer. */
    byte_buf tiny = {0};
    tokenizer_gguf(m->config.n_vocab, &tiny);
    gguf_file *tokenizer_source;
    CHECK(gguf_open_memory(tiny.data, tiny.size, "tiny", &tokenizer_source) == MLAVK_OK);
    gguf_file *own = m->gguf;
    m->gguf = tokenizer_source;

    const uint32_t V = m->config.n_vocab;
    int32_t tokens[N_TOKENS];
    for (int i = 0; i < N_TOKENS; i++)
        tokens[i] = (int32_t)test_rng_below(rng, V);
    double *want = malloc(sizeof(double) * N_TOKENS * V);
    float *got = malloc(sizeof(float) * N_TOKENS * V);
    ref_gqa_forward(m, tokens, N_TOKENS, want);

    const char *exact_path = qwen2 ? "transmla_qwen2_exact.gguf" : "transmla_llama_exact.gguf";
    transmla_options exact = {.exact = true};
    CHECK_MSG(transmla_convert(m, &exact, exact_path, NULL) == MLAVK_OK, "%s", mlavk_last_error());
    char label[96];
    snprintf(label, sizeof label, "%s --exact, prompt expanded", qwen2 ? "qwen2" : "llama");
    test_poison_f32(got, (size_t)N_TOKENS * V);
    run_mla(exact_path, MLAVK_PREFILL_EXPANDED, 0, tokens, got);
    test_compare(label, got, want, (size_t)N_TOKENS * V, 1e-4, 0.0);
    snprintf(label, sizeof label, "%s --exact, decode absorbed", qwen2 ? "qwen2" : "llama");
    test_poison_f32(got, (size_t)N_TOKENS * V);
    run_mla(exact_path, MLAVK_PREFILL_ABSORBED, 1, tokens, got);
    test_compare(label, got, want, (size_t)N_TOKENS * V, 1e-4, 0.0);

    int32_t calib[256];
    for (int i = 0; i < 256; i++)
        calib[i] = (int32_t)test_rng_below(rng, V);
    transmla_options compressed = {.rope_dim = 8, .kv_rank = 32, .calib = calib, .n_calib = 256,
                                   .freqfold_auto = true};
    const char *small_path = qwen2 ? "transmla_qwen2_r32.gguf" : "transmla_llama_r32.gguf";
    transmla_plan plan = {0};
    CHECK_MSG(transmla_convert(m, &compressed, small_path, &plan) == MLAVK_OK, "%s", mlavk_last_error());
    /* --freqfold auto: from 16 / 8 = 2, doubled while the perplexity improves; the choice is the best tried */
    CHECK(plan.n_auto >= 1 && plan.auto_freqfold[0] == 2);
    double chosen = INFINITY;
    for (uint32_t i = 0; i < plan.n_auto; i++)
        if (plan.auto_freqfold[i] == plan.freqfold)
            chosen = plan.auto_perplexity[i];
    for (uint32_t i = 0; i < plan.n_auto; i++) {
        printf("  freqfold %u: partial-RoPE perplexity %.4f\n", plan.auto_freqfold[i], plan.auto_perplexity[i]);
        CHECK(isfinite(plan.auto_perplexity[i]) && chosen <= plan.auto_perplexity[i]);
    }
    test_poison_f32(got, (size_t)N_TOKENS * V);
    run_mla(small_path, MLAVK_PREFILL_AUTO, 0, tokens, got);
    double diff = 0.0;
    bool finite = true;
    for (size_t i = 0; i < (size_t)N_TOKENS * V; i++) {
        finite = finite && isfinite(got[i]);
        diff = fmax(diff, fabs(got[i] - want[i]));
    }
    printf("%s rope dim 8, kv rank 32: finite %s, max-abs from the GQA logits %.3g\n", qwen2 ? "qwen2" : "llama",
           finite ? "yes" : "no", diff);
    CHECK(finite && diff > 1e-4);

    m->gguf = own;
    gguf_close(tokenizer_source);
    bb_free(&tiny);
    free(want);
    free(got);
    gqa_model_free(m);
    remove(gqa_path), remove(exact_path), remove(small_path);
}

int main(void)
{
    test_rng rng = {2025};
    variant(false, &rng);
    variant(true, &rng);
    return test_finish("transmla_exact");
}
