/* mlavk bench: prompt processing and generation speed, as a table shaped like llama-bench's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_options.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Seconds for one run: depth tokens into the cache (not timed), then n tokens as a batch or one at a time. */
static mlavk_status run_once(mlavk_engine *engine, const int32_t *ids, int depth, int n, bool generation,
                             double *seconds)
{
    mlavk_engine_reset(engine);
    mlavk_status status = depth ? mlavk_engine_eval(engine, ids, (uint32_t)depth, 0, 0, NULL) : MLAVK_OK;
    double start = now();
    if (generation)
        for (int i = 0; status == MLAVK_OK && i < n; i++)
            status = mlavk_engine_eval(engine, ids + depth + i, 1, 0, 0, NULL);
    else if (status == MLAVK_OK)
        status = mlavk_engine_eval(engine, ids + depth, (uint32_t)n, 0, 0, NULL);
    *seconds = now() - start;
    return status;
}

static mlavk_status bench_test(mlavk_engine *engine, const int32_t *ids, const cli_options *o, int n,
                               bool generation, double *mean, double *sd)
{
    double seconds, sum = 0, sum_sq = 0;
    /* one warm-up run builds the pipelines and records the step */
    mlavk_status status = run_once(engine, ids, o->depth, generation ? 2 : n, generation, &seconds);
    for (int r = 0; status == MLAVK_OK && r < o->repetitions; r++) {
        status = run_once(engine, ids, o->depth, n, generation, &seconds);
        double rate = n / seconds;
        sum += rate;
        sum_sq += rate * rate;
    }
    *mean = sum / o->repetitions;
    *sd = o->repetitions > 1 ? sqrt(fmax(0, (sum_sq - sum * sum / o->repetitions) / (o->repetitions - 1))) : 0;
    return status;
}

static void print_row(const mlavk_engine_info *info, const char *model, const char *test, double mean, double sd)
{
    const char *base = strrchr(model, '/');
    printf("| %-28s | %9.2f MiB | %8.2f M | %-24.24s | %-14s | %10.2f ± %-8.2f |\n", base ? base + 1 : model,
           info->weight_bytes / 1048576.0, info->parameters / 1e6, info->device, test, mean, sd);
}

static int run_tests(mlavk_engine *engine, const cli_options *o, const int32_t *ids)
{
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    printf("| %-28s | %13s | %10s | %-24s | %-14s | %21s |\n", "model", "size", "params", "device", "test", "t/s");
    printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------", "---------------:", "-----------:",
           "--------------------------", "----------------", "----------------------:");
    char depth[32] = "";
    if (o->depth)
        snprintf(depth, sizeof depth, " @ d%d", o->depth);
    const struct {
        const char *kind;
        int n;
        bool generation;
    } tests[2] = {{"pp", o->bench_prompt, false}, {"tg", o->n_predict, true}};
    for (int t = 0; t < 2; t++) {
        if (tests[t].n == 0)
            continue;
        double mean, sd;
        mlavk_status status = bench_test(engine, ids, o, tests[t].n, tests[t].generation, &mean, &sd);
        if (status != MLAVK_OK)
            return cli_report(status);
        char name[64];
        snprintf(name, sizeof name, "%s%d%s", tests[t].kind, tests[t].n, depth);
        print_row(&info, info.model_path, name, mean, sd);
        fflush(stdout);
    }
    if (o->engine.profile)
        cli_print_profile(engine, stdout);
    if (o->trace && !cli_write_trace(engine, o->trace))
        return 1;
    return 0;
}

int cli_bench(int argc, char **argv)
{
    cli_options o = {.sampling = mlavk_sampling_defaults(), .bench_prompt = 512, .n_predict = 128, .repetitions = 5};
    if (!cli_parse_options(argc, argv, &o))
        return 2;
    int longest = o.bench_prompt > o.n_predict ? o.bench_prompt : o.n_predict;
    if (o.engine.n_ctx == 0)
        o.engine.n_ctx = (uint32_t)(o.depth + longest + 1);
    if (o.engine.batch == 0)
        o.engine.batch = o.bench_prompt > 0 && o.bench_prompt < 512 ? (uint32_t)o.bench_prompt : 512;
    mlavk_engine *engine = cli_open_engine(&o);
    if (!engine)
        return 1;
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    int32_t *ids = malloc((size_t)(o.depth + longest + 1) * sizeof *ids);
    int code = 1;
    if (ids) {
        /* token ids spread over the vocabulary, reproducibly */
        for (int i = 0; i < o.depth + longest + 1; i++)
            ids[i] = (int32_t)((1103515245u * (uint32_t)i + 12345u) % info.n_vocab);
        code = run_tests(engine, &o, ids);
    }
    free(ids);
    mlavk_engine_free(engine);
    return code;
}
