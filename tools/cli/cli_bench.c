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

/* Aggregate decode speed of o->parallel sequences in one batch: each gets its own prompt of -p tokens, and once
 * every prompt is in, the tokens all sequences generate per second until the last one ends (-n tokens each,
 * fewer if one samples end-of-sequence). */
static mlavk_status run_parallel_once(mlavk_engine *engine, const int32_t *ids, const cli_options *o, int n,
                                      double *rate)
{
    mlavk_batch *batch = NULL;
    mlavk_batch_params params = {.max_seqs = (uint32_t)o->parallel};
    mlavk_status status = mlavk_batch_create(engine, &params, &batch);
    if (status != MLAVK_OK)
        return status;
    mlavk_sampling greedy = mlavk_sampling_defaults();
    greedy.temperature = 0;
    uint32_t n_prompt = o->bench_prompt > 0 ? (uint32_t)o->bench_prompt : 1;
    bool *seen = calloc((size_t)o->parallel, sizeof *seen); /* a sequence's first event ends its prompt */
    status = seen ? MLAVK_OK : MLAVK_ERR_OUT_OF_HOST_MEMORY;
    for (int i = 0; status == MLAVK_OK && i < o->parallel; i++) {
        uint64_t id;
        mlavk_seq_params p = {.prompt = ids + i, .n_prompt = n_prompt, .max_tokens = (uint32_t)n, .sampling = greedy,
                              .user = &seen[i]};
        status = mlavk_batch_submit(batch, &p, &id);
    }
    int started = 0, running = o->parallel;
    uint64_t tokens = 0;
    double start = 0;
    while (status == MLAVK_OK && running > 0) {
        const mlavk_seq_event *events;
        uint32_t count;
        status = mlavk_batch_step(batch, &events, &count);
        for (uint32_t i = 0; i < count; i++) {
            bool *first = events[i].user;
            if (started == o->parallel && events[i].token >= 0)
                tokens++;
            started += !*first;
            *first = true;
            running -= events[i].finish != MLAVK_FINISH_NONE;
        }
        if (started == o->parallel && start == 0)
            start = now();
    }
    *rate = start > 0 && now() > start ? (double)tokens / (now() - start) : 0;
    free(seen);
    mlavk_batch_free(batch);
    return status;
}

static mlavk_status bench_parallel(mlavk_engine *engine, const int32_t *ids, const cli_options *o, double *mean,
                                   double *sd)
{
    double rate, sum = 0, sum_sq = 0;
    mlavk_status status = run_parallel_once(engine, ids, o, 2, &rate); /* warm-up */
    for (int r = 0; status == MLAVK_OK && r < o->repetitions; r++) {
        status = run_parallel_once(engine, ids, o, o->n_predict, &rate);
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
    if (o->parallel) {
        double mean, sd;
        mlavk_status status = bench_parallel(engine, ids, o, &mean, &sd);
        if (status != MLAVK_OK)
            return cli_report(status);
        char name[64];
        snprintf(name, sizeof name, "tg%d x%d @ p%d", o->n_predict, o->parallel, o->bench_prompt);
        print_row(&info, info.model_path, name, mean, sd);
        return 0;
    }
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
        o.engine.n_ctx = (uint32_t)(o.parallel ? o.bench_prompt + o.n_predict + 1 : o.depth + longest + 1);
    if (o.engine.batch == 0)
        o.engine.batch = o.bench_prompt > 0 && o.bench_prompt < 512 ? (uint32_t)o.bench_prompt : 512;
    mlavk_engine *engine = cli_open_engine(&o);
    if (!engine)
        return 1;
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    /* --parallel: sequence i's prompt starts at ids[i] */
    int n_ids = o.depth + longest + 1 + o.parallel;
    int32_t *ids = malloc((size_t)n_ids * sizeof *ids);
    int code = 1;
    if (ids) {
        /* token ids spread over the vocabulary, reproducibly */
        for (int i = 0; i < n_ids; i++)
            ids[i] = (int32_t)((1103515245u * (uint32_t)i + 12345u) % info.n_vocab);
        code = run_tests(engine, &o, ids);
    }
    free(ids);
    mlavk_engine_free(engine);
    return code;
}
