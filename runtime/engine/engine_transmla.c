/* mlavk_transmla: read a GQA model, tokenize the calibration text with its tokenizer, convert, write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/transmla.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

/* Fails early (before any conversion work) when the output cannot be created; leaves nothing behind. */
static mlavk_status check_writable(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "%.64s...: output path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot create the output file", path);
    fclose(f);
    remove(tmp);
    return MLAVK_OK;
}

static mlavk_status read_text(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot open the calibration text", path);
    size_t cap = 1 << 16;
    *len = 0;
    *text = malloc(cap);
    while (*text) {
        *len += fread(*text + *len, 1, cap - *len, f);
        if (*len < cap)
            break;
        char *grown = realloc(*text, cap *= 2);
        if (!grown)
            free(*text);
        *text = grown;
    }
    bool failed = ferror(f);
    fclose(f);
    if (!*text)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    if (failed) {
        free(*text);
        return mlavk_fail(MLAVK_ERR_IO, "%s: read error", path);
    }
    return MLAVK_OK;
}

/* The model's tokenizer: its GGUF metadata, or its tokenizer.json (and tokenizer_config.json) for an HF directory,
 * which must then be one the output can carry as GGUF keys. */
static mlavk_status model_tokenizer(const gqa_model *m, const char *model_path, mlavk_tokenizer **tok)
{
    if (m->gguf)
        return tok_load_gguf_metadata(m->gguf, model_path, tok);
    if (!m->tokenizer_json)
        return mlavk_fail(MLAVK_ERR_IO, "%s: no tokenizer.json (the output carries the model's tokenizer)",
                          model_path);
    char json_name[4096], config_name[4096];
    snprintf(json_name, sizeof json_name, "%s/tokenizer.json", model_path);
    snprintf(config_name, sizeof config_name, "%s/tokenizer_config.json", model_path);
    const char *config = m->tokenizer_config_json;
    MLAVK_TRY(tok_load_json_text(m->tokenizer_json, strlen(m->tokenizer_json), json_name, config,
                                 config ? strlen(config) : 0, config_name, tok));
    if (tok_gguf_pre(*tok))
        return MLAVK_OK;
    mlavk_tokenizer_free(*tok);
    *tok = NULL;
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: the pre-tokenizer is neither Llama 3's nor Qwen2's, so it has no "
                      "GGUF tokenizer.ggml.pre name", json_name);
}

/* The text is read before the tokenizer is loaded, so that a missing file is reported as such. */
static mlavk_status calibration_tokens(const gqa_model *m, const char *model_path, const char *calib_path,
                                       mlavk_tokenizer **tok, int32_t **tokens, size_t *count)
{
    char *text = NULL;
    size_t len = 0;
    MLAVK_TRY(read_text(calib_path, &text, &len));
    mlavk_status status = model_tokenizer(m, model_path, tok);
    if (status == MLAVK_OK)
        status = mlavk_tokenize(*tok, text, len, mlavk_tokenizer_adds_bos(*tok), tokens, count);
    free(text);
    return status;
}

mlavk_status mlavk_transmla(const mlavk_transmla_params *p, mlavk_transmla_result *result)
{
    if (!p->model_path || !p->output_path)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "transmla: a model and an output path are needed");
    gqa_model *m;
    MLAVK_TRY(gqa_model_open(p->model_path, &m));
    transmla_options o = {.rope_dim = p->rope_dim, .kv_rank = p->kv_rank, .freqfold = p->freqfold,
                          .freqfold_auto = p->freqfold_auto != 0, .exact = p->exact, .progress = p->progress,
                          .progress_user = p->progress_user};
    transmla_plan plan;
    int32_t *tokens = NULL;
    size_t n_tokens = 0;
    /* sizes first, no tokenizing for nothing (the calibration itself is checked with the tokens, below) */
    transmla_options sizes = o;
    sizes.freqfold_auto = false;
    mlavk_status status = transmla_plan_for(&m->config, &sizes, &plan);
    mlavk_tokenizer *tok = NULL;
    if (status == MLAVK_OK && p->calib_path)
        status = calibration_tokens(m, p->model_path, p->calib_path, &tok, &tokens, &n_tokens);
    else if (status == MLAVK_OK && !m->gguf) /* a GGUF model's tokenizer keys are copied as they are */
        status = model_tokenizer(m, p->model_path, &tok);
    o.tokenizer = m->gguf ? NULL : tok;
    o.calib = tokens;
    o.n_calib = n_tokens;
    if (status == MLAVK_OK)
        status = transmla_plan_for(&m->config, &o, &plan);
    if (status == MLAVK_OK)
        status = check_writable(p->output_path);
    if (status == MLAVK_OK)
        status = transmla_convert(m, &o, p->output_path, &plan);
    if (status == MLAVK_OK && result) {
        const gqa_config *c = &m->config;
        *result = (mlavk_transmla_result){
            .rope_dim = plan.rope_dim, .kv_rank = plan.kv_rank, .freqfold = plan.freqfold,
            .calib_tokens = plan.calib_window * plan.calib_windows, .n_auto = plan.n_auto,
            .partial_rope_perplexity = plan.partial_rope_perplexity,
            .gqa_kv_bytes_per_token = 2ull * c->n_layer * c->n_head_kv * c->head_dim * 2,
            .mla_kv_bytes_per_token = (uint64_t)c->n_layer * (plan.kv_rank + plan.rope_dim) * 2};
    }
    for (uint32_t i = 0; status == MLAVK_OK && result && i < plan.n_auto && i < 16; i++) {
        result->auto_freqfold[i] = plan.auto_freqfold[i];
        result->auto_perplexity[i] = plan.auto_perplexity[i];
    }
    free(tokens);
    mlavk_tokenizer_free(tok);
    gqa_model_free(m);
    return status;
}
