/* The GQA reader reads llama and qwen2 GGUF files and HF directories (written as llama.cpp's converter and HF
 * write them) back to the values written, in HF row order: llama's permuted Q/K rows restored, qwen2's biases
 * kept, F16/BF16/Q8_0 decoded exactly (every value written is exact in each type), tied embeddings, sharded
 * checkpoints, Llama 3.1 rope factors. A llama GGUF and the HF directory of the same weights read identical. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/gqa_model.h"
#include "model_writer_gqa.h"
#include "test_util.h"

/* Every element against the writer's value; returns the number of mismatches. */
static uint64_t compare(const gqa_tiny *w, const char *what, const char *name, const float *got, uint64_t rows,
                        uint64_t cols)
{
    uint64_t bad = 0;
    CHECK_MSG(got != NULL, "%s: %s is NULL", what, name);
    if (!got)
        return 1;
    for (uint64_t r = 0; r < (rows ? rows : 1); r++)
        for (uint64_t c = 0; c < cols; c++) {
            float want = gqa_tiny_value(w, name, r, c), v = got[r * cols + c];
            if (v != want && bad++ == 0)
                test_fail(__FILE__, __LINE__, "%s: %s[%llu, %llu] = %g, written %g", what, name,
                          (unsigned long long)r, (unsigned long long)c, (double)v, (double)want);
        }
    return bad;
}

static void check_model(const gqa_tiny *w, const char *what, const gqa_model *m)
{
    const gqa_config *c = &m->config;
    uint64_t q = (uint64_t)w->H * w->d, kv = (uint64_t)w->H_kv * w->d;
    CHECK_MSG(c->arch == (w->qwen2 ? GQA_ARCH_QWEN2 : GQA_ARCH_LLAMA), "%s: arch", what);
    CHECK_MSG(c->n_embd == w->D && c->n_layer == w->L && c->n_head == w->H && c->n_head_kv == w->H_kv &&
                  c->head_dim == w->d && c->n_ff == w->F && c->n_vocab == w->vocab && c->n_ctx_train == w->ctx,
              "%s: sizes", what);
    CHECK_MSG(fabsf(c->rms_norm_eps - 1e-5f) < 1e-12f && c->rope_freq_base == gqa_tiny_rope_base(w),
              "%s: eps %g base %g", what, (double)c->rms_norm_eps, (double)c->rope_freq_base);
    CHECK_MSG(c->qkv_bias == w->qwen2 && c->tied_embeddings == w->tied, "%s: bias %d tied %d", what, c->qkv_bias,
              c->tied_embeddings);
    CHECK_MSG(c->bos_token_id == 1 && c->eos_token_id == 2, "%s: bos %lld eos %lld", what,
              (long long)c->bos_token_id, (long long)c->eos_token_id);
    compare(w, what, "token_embd.weight", m->token_embd, w->vocab, w->D);
    compare(w, what, "output_norm.weight", m->output_norm, 0, w->D);
    if (w->tied)
        CHECK_MSG(m->output == NULL, "%s: output of a tied model", what);
    else
        compare(w, what, "output.weight", m->output, w->vocab, w->D);
    for (uint32_t i = 0; i < w->L; i++) {
        const gqa_layer *l = &m->layers[i];
        char name[64];
#define CMP(field, fmt, rows, cols) (snprintf(name, sizeof name, fmt, i), compare(w, what, name, l->field, rows, cols))
        CMP(attn_norm, "blk.%u.attn_norm.weight", 0, w->D);
        CMP(wq, "blk.%u.attn_q.weight", q, w->D);
        CMP(wk, "blk.%u.attn_k.weight", kv, w->D);
        CMP(wv, "blk.%u.attn_v.weight", kv, w->D);
        CMP(wo, "blk.%u.attn_output.weight", w->D, q);
        CMP(ffn_norm, "blk.%u.ffn_norm.weight", 0, w->D);
        CMP(ffn_gate, "blk.%u.ffn_gate.weight", w->F, w->D);
        CMP(ffn_up, "blk.%u.ffn_up.weight", w->F, w->D);
        CMP(ffn_down, "blk.%u.ffn_down.weight", w->D, w->F);
        if (w->qwen2) {
            CMP(bq, "blk.%u.attn_q.bias", 0, q);
            CMP(bk, "blk.%u.attn_k.bias", 0, kv);
            CMP(bv, "blk.%u.attn_v.bias", 0, kv);
        } else {
            CHECK_MSG(!l->bq && !l->bk && !l->bv, "%s: llama layer %u has biases", what, i);
        }
#undef CMP
    }
    if (w->llama3_rope) {
        float want[128];
        gqa_tiny_llama3_factors(w, want);
        CHECK_MSG(m->rope_freq_factors != NULL, "%s: no rope factors", what);
        for (uint32_t i = 0; m->rope_freq_factors && i < w->d / 2; i++)
            CHECK_MSG(fabsf(m->rope_freq_factors[i] - want[i]) <= 1e-6f * want[i], "%s: rope factor %u = %.9g, want "
                      "%.9g", what, i, (double)m->rope_freq_factors[i], (double)want[i]);
        CHECK_MSG(want[0] == 1.0f && want[w->d / 2 - 1] == 8.0f, "the llama3 test covers no scaled frequency");
    } else {
        CHECK_MSG(m->rope_freq_factors == NULL, "%s: rope factors without scaling", what);
    }
}

static gqa_model *open_checked(const gqa_tiny *w, const char *path, bool hf)
{
    gqa_model *m = NULL;
    CHECK_MSG(hf ? gqa_tiny_write_hf(w, path) : gqa_tiny_write_gguf(w, path), "cannot write %s", path);
    mlavk_status status = gqa_model_open(path, &m);
    CHECK_MSG(status == MLAVK_OK, "%s: %s", path, mlavk_last_error());
    if (status != MLAVK_OK)
        return NULL;
    CHECK_MSG(gqa_model_is_gqa(path), "%s: not recognised as GQA", path);
    check_model(w, path, m);
    CHECK_MSG(strcmp(m->format, hf ? "safetensors" : "GGUF v3") == 0, "%s: format '%s'", path, m->format);
    CHECK_MSG(hf ? m->gguf == NULL && m->tokenizer_json && strcmp(m->tokenizer_json, "{\"tokenizer\": 1}") == 0 &&
                       m->tokenizer_config_json && strcmp(m->tokenizer_config_json, "{}") == 0
                 : m->gguf != NULL && !m->tokenizer_json && !m->tokenizer_config_json,
              "%s: tokenizer sources", path);
    return m;
}

static bool same(const float *a, const float *b, uint64_t n)
{
    return (!a && !b) || (a && b && memcmp(a, b, n * sizeof *a) == 0);
}

/* The same weights as a llama GGUF (Q/K permuted) and an HF directory read to the same bytes. */
static void gguf_and_hf_agree(const gqa_model *g, const gqa_model *h)
{
    const gqa_config *c = &g->config;
    uint64_t D = c->n_embd, q = (uint64_t)c->n_head * c->head_dim, kv = (uint64_t)c->n_head_kv * c->head_dim;
    CHECK(same(g->token_embd, h->token_embd, c->n_vocab * D) && same(g->output, h->output, c->n_vocab * D) &&
          same(g->output_norm, h->output_norm, D));
    for (uint32_t i = 0; i < c->n_layer; i++) {
        const gqa_layer *a = &g->layers[i], *b = &h->layers[i];
        CHECK_MSG(same(a->wq, b->wq, q * D) && same(a->wk, b->wk, kv * D) && same(a->wv, b->wv, kv * D) &&
                      same(a->wo, b->wo, D * q) && same(a->attn_norm, b->attn_norm, D) &&
                      same(a->ffn_norm, b->ffn_norm, D) && same(a->ffn_gate, b->ffn_gate, c->n_ff * D) &&
                      same(a->ffn_up, b->ffn_up, c->n_ff * D) && same(a->ffn_down, b->ffn_down, D * c->n_ff),
                  "layer %u: the GGUF and HF forms differ", i);
    }
}

int main(void)
{
    mkdir("gqa_read", 0755);
    gqa_tiny w;

    gqa_tiny_default(&w, false);
    w.llama3_rope = true;
    gqa_model *llama_gguf = open_checked(&w, "gqa_read/llama.gguf", false);
    w.sharded = true;
    gqa_model *llama_hf = open_checked(&w, "gqa_read/llama_hf", true);
    if (llama_gguf && llama_hf)
        gguf_and_hf_agree(llama_gguf, llama_hf);
    gqa_model_free(llama_gguf);
    gqa_model_free(llama_hf);

    gqa_tiny_default(&w, true);
    gqa_model_free(open_checked(&w, "gqa_read/qwen2.gguf", false));
    w.hf_dtype = "BF16";
    gqa_model_free(open_checked(&w, "gqa_read/qwen2_hf", true));

    gqa_tiny_default(&w, false);
    w.weight_type = 8; /* Q8_0 */
    gqa_model_free(open_checked(&w, "gqa_read/llama_q8_0.gguf", false));
    w.weight_type = 1; /* F16, tied embeddings */
    w.tied = true;
    gqa_model_free(open_checked(&w, "gqa_read/llama_f16_tied.gguf", false));
    w.hf_dtype = "F16";
    gqa_model_free(open_checked(&w, "gqa_read/llama_f16_tied_hf", true));

    gqa_tiny_default(&w, true);
    w.weight_type = 30; /* BF16, one key/value head per two query heads as before but 3 blocks */
    w.L = 3;
    gqa_model_free(open_checked(&w, "gqa_read/qwen2_bf16.gguf", false));
    return test_finish("gqa_reader_reads_llama_and_qwen2_ggufs_and_hf_directories_to_the_written_values");
}
