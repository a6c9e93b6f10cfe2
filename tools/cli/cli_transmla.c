/* mlavk transmla -m GQA_MODEL -o OUT.gguf [--rope-dim N] [--kv-rank N] [--freqfold N|auto] [--calib FILE]
 * [--exact] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A bar per layer on stderr, only on a terminal (errors stay one line in logs and tests). */
static void progress(const char *stage, uint32_t done, uint32_t total, void *user)
{
    (void)user;
    if (!isatty(2) || total == 0)
        return;
    const int width = 40;
    int filled = (int)((uint64_t)done * width / total);
    fprintf(stderr, "\r%-11s [%.*s%*s] layer %u/%u", stage, filled, "########################################",
            width - filled, "", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int parse_u32(const char *option, const char *text, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v > 1u << 20) {
        fprintf(stderr, "mlavk: %s: '%s' is not a number\n", option, text);
        return 0;
    }
    *out = (uint32_t)v;
    return 1;
}

int cli_transmla(int argc, char **argv)
{
    mlavk_transmla_params p = {.progress = progress};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = strcmp(a, "-m") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--rope-dim") == 0 ||
                          strcmp(a, "--kv-rank") == 0 || strcmp(a, "--freqfold") == 0 || strcmp(a, "--calib") == 0;
        if (takes_value && !value) {
            fprintf(stderr, "mlavk: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "-m") == 0)
            p.model_path = argv[++i];
        else if (strcmp(a, "-o") == 0)
            p.output_path = argv[++i];
        else if (strcmp(a, "--calib") == 0)
            p.calib_path = argv[++i];
        else if (strcmp(a, "--exact") == 0)
            p.exact = 1;
        else if (strcmp(a, "--rope-dim") == 0 && !parse_u32(a, argv[++i], &p.rope_dim))
            return 2;
        else if (strcmp(a, "--kv-rank") == 0 && !parse_u32(a, argv[++i], &p.kv_rank))
            return 2;
        else if (strcmp(a, "--freqfold") == 0 && strcmp(value, "auto") == 0)
            p.freqfold_auto = 1, i++;
        else if (strcmp(a, "--freqfold") == 0 && !parse_u32(a, argv[++i], &p.freqfold))
            return 2;
        else if (!takes_value && strcmp(a, "--exact") != 0) {
            fprintf(stderr, "mlavk: transmla: unknown option '%s'\n", a);
            return 2;
        }
    }
    if (!p.model_path || !p.output_path) {
        fprintf(stderr, "mlavk: transmla needs -m GQA_MODEL and -o OUT.gguf\n");
        return 2;
    }
    mlavk_transmla_result r;
    mlavk_status status = mlavk_transmla(&p, &r);
    if (status != MLAVK_OK)
        return cli_report(status);
    printf("wrote %s: rope dim %u, kv rank %u, freqfold %u, calibration %u tokens%s\n", p.output_path, r.rope_dim,
           r.kv_rank, r.freqfold, r.calib_tokens, r.calib_tokens ? "" : " (moments of the weights)");
    if (r.calib_tokens)
        printf("partial-RoPE model (rope dim %u, full rank): perplexity %.4f on the calibration text\n", r.rope_dim,
               r.partial_rope_perplexity);
    for (uint32_t i = 0; i < r.n_auto; i++)
        printf("freqfold %u: partial-RoPE perplexity %.4f on the calibration text%s\n", r.auto_freqfold[i],
               r.auto_perplexity[i], r.auto_freqfold[i] == r.freqfold ? " (chosen)" : "");
    printf("KV cache per token (f16): GQA %llu bytes (2 x L x n_kv x d x 2), MLA %llu bytes (L x (r_kv + d_r) x 2): "
           "%.2f%% smaller\n", (unsigned long long)r.gqa_kv_bytes_per_token,
           (unsigned long long)r.mla_kv_bytes_per_token,
           100.0 * (1.0 - (double)r.mla_kv_bytes_per_token / (double)r.gqa_kv_bytes_per_token));
    return 0;
}
