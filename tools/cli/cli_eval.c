/* mlavk logits: the logits of every position; mlavk perplexity: the perplexity of a text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_options.h"

static bool parse_ids(const char *list, int32_t **ids, size_t *n)
{
    size_t capacity = 16;
    *n = 0;
    *ids = malloc(capacity * sizeof **ids);
    for (const char *p = list; *ids && *p;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX || (*end && *end != ',')) {
            fprintf(stderr, "mlavk: --tokens needs comma-separated token ids, not '%s'\n", list);
            free(*ids);
            *ids = NULL;
            return false;
        }
        if (*n == capacity) {
            int32_t *grown = realloc(*ids, (capacity *= 2) * sizeof *grown);
            if (!grown)
                free(*ids);
            *ids = grown;
        }
        if (*ids)
            (*ids)[(*n)++] = (int32_t)v;
        p = *end ? end + 1 : end;
    }
    return *ids && *n > 0;
}

static bool write_logits(const char *path, const float *logits, size_t count, uint32_t n_vocab)
{
    if (path) {
        FILE *f = fopen(path, "wb");
        bool ok = f && fwrite(logits, sizeof *logits, count, f) == count;
        ok = f && fclose(f) == 0 && ok;
        if (!ok)
            fprintf(stderr, "mlavk: %s: cannot write the logits\n", path);
        return ok;
    }
    for (size_t i = 0; i < count; i++)
        printf("%.9g%c", logits[i], (i + 1) % n_vocab ? ' ' : '\n');
    return true;
}

int cli_logits(int argc, char **argv)
{
    cli_options o = {.sampling = mlavk_sampling_defaults(), .bench_prompt = -1};
    if (!cli_parse_options(argc, argv, &o))
        return 2;
    int32_t *ids;
    size_t n;
    if (!o.tokens) {
        fprintf(stderr, "mlavk logits: give the tokens with --tokens ID,ID,...\n");
        return 2;
    }
    if (!parse_ids(o.tokens, &ids, &n))
        return 2;
    mlavk_engine *engine = cli_open_engine(&o);
    if (!engine) {
        free(ids);
        return 1;
    }
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    float *logits = malloc(n * info.n_vocab * sizeof *logits);
    mlavk_status status = logits ? mlavk_engine_eval(engine, ids, (uint32_t)n, 1, o.one_by_one, logits)
                                 : MLAVK_ERR_OUT_OF_HOST_MEMORY;
    int code = status == MLAVK_OK ? (write_logits(o.output, logits, n * info.n_vocab, info.n_vocab) ? 0 : 1)
                                  : cli_report(status);
    free(logits);
    free(ids);
    mlavk_engine_free(engine);
    return code;
}

/* -log softmax(logits)[target], in double. */
static double nll(const float *logits, uint32_t n_vocab, int32_t target)
{
    double max = logits[0], sum = 0;
    for (uint32_t v = 1; v < n_vocab; v++)
        max = logits[v] > max ? logits[v] : max;
    for (uint32_t v = 0; v < n_vocab; v++)
        sum += exp(logits[v] - max);
    return log(sum) + max - logits[target];
}

/* Non-overlapping windows of n_ctx tokens, each from an empty cache: the model reads [BOS] + window[:-1] and
 * every token of the window is scored, the first one from BOS alone. */
static mlavk_status score_windows(mlavk_engine *engine, const int32_t *ids, size_t n, uint32_t n_ctx,
                                  double *total_nll)
{
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    int32_t *input = malloc(n_ctx * sizeof *input);
    float *logits = malloc((size_t)n_ctx * info.n_vocab * sizeof *logits);
    mlavk_status status = input && logits ? MLAVK_OK : MLAVK_ERR_OUT_OF_HOST_MEMORY;
    *total_nll = 0;
    for (size_t start = 0; status == MLAVK_OK && start < n; start += n_ctx) {
        size_t len = n - start < n_ctx ? n - start : n_ctx;
        input[0] = info.bos_token;
        memcpy(input + 1, ids + start, (len - 1) * sizeof *input);
        mlavk_engine_reset(engine);
        status = mlavk_engine_eval(engine, input, (uint32_t)len, 1, 0, logits);
        for (size_t i = 0; status == MLAVK_OK && i < len; i++)
            *total_nll += nll(logits + i * info.n_vocab, info.n_vocab, ids[start + i]);
    }
    free(input);
    free(logits);
    return status;
}

static int perplexity_of(mlavk_engine *engine, const char *path, const char *text, size_t length, uint32_t window)
{
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    if (info.bos_token < 0) {
        fprintf(stderr, "mlavk: %s: the model has no BOS token to start each window\n", info.model_path);
        return 1;
    }
    int32_t *ids = NULL;
    size_t n = 0;
    mlavk_status status = mlavk_tokenize(mlavk_engine_tokenizer(engine), text, length, 0, &ids, &n);
    if (status != MLAVK_OK)
        return cli_report(status);
    if (n == 0) {
        fprintf(stderr, "mlavk: %s: no tokens to score\n", path);
        free(ids);
        return 1;
    }
    window = window < info.n_ctx ? window : info.n_ctx;
    double total = 0;
    status = score_windows(engine, ids, n, window, &total);
    free(ids);
    if (status != MLAVK_OK)
        return cli_report(status);
    printf("%zu tokens in windows of %u: mean NLL %.6f, perplexity %.4f\n", n, window, total / (double)n,
           exp(total / (double)n));
    return 0;
}

int cli_perplexity(int argc, char **argv)
{
    cli_options o = {.sampling = mlavk_sampling_defaults(), .bench_prompt = -1};
    if (!cli_parse_options(argc, argv, &o))
        return 2;
    if (!o.file) {
        fprintf(stderr, "mlavk perplexity: give the text with -f FILE\n");
        return 2;
    }
    size_t length;
    char *text = cli_read_file(o.file, &length);
    if (!text)
        return 1;
    uint32_t window = o.engine.n_ctx ? o.engine.n_ctx : 512;
    mlavk_engine *engine = cli_open_engine(&o);
    int code = engine ? perplexity_of(engine, o.file, text, length, window) : 1;
    free(text);
    mlavk_engine_free(engine);
    return code;
}
