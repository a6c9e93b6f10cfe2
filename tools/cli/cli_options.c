#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_options.h"

static bool parse_int(const char *name, const char *value, int min, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || v < min || v > 1 << 30) {
        fprintf(stderr, "mlavk: %s needs an integer >= %d, not '%s'\n", name, min, value);
        return false;
    }
    *out = (int)v;
    return true;
}

static bool parse_float(const char *name, const char *value, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(value, &end);
    if (errno || *end || end == value) {
        fprintf(stderr, "mlavk: %s needs a number, not '%s'\n", name, value);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_prefill_attention(const char *value, mlavk_prefill_attention *out)
{
    static const char *const names[] = {[MLAVK_PREFILL_AUTO] = "auto",
                                        [MLAVK_PREFILL_ABSORBED] = "absorbed",
                                        [MLAVK_PREFILL_EXPANDED] = "expanded"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (!strcmp(value, names[i])) {
            *out = (mlavk_prefill_attention)i;
            return true;
        }
    fprintf(stderr, "mlavk: --prefill-attention needs auto, absorbed or expanded, not '%s'\n", value);
    return false;
}

/* Options that take a value; returns false when name is not one of them. */
static bool parse_valued(cli_options *o, const char *name, const char *value, bool *ok)
{
    const struct {
        const char *name;
        const char **dst;
    } strings[] = {{"-m", &o->engine.model_path}, {"-f", &o->file},           {"-o", &o->output},
                   {"--tokens", &o->tokens},     {"--trace", &o->trace},      {"--device", &o->engine.device},
                   {"-p", o->bench_prompt < 0 ? &o->prompt : NULL}};
    const struct {
        const char *name;
        int min;
        int *dst;
    } ints[] = {{"-n", 0, &o->n_predict}, {"-r", 1, &o->repetitions}, {"-d", 0, &o->depth},
                {"-c", 1, &o->n_ctx},     {"-b", 1, &o->batch},        {"--top-k", 0, &o->sampling.top_k},
                {"--seed", 0, &o->seed},  {"-p", 0, o->bench_prompt >= 0 ? &o->bench_prompt : NULL},
                {"--parallel", 1, o->bench_prompt >= 0 ? &o->parallel : NULL}};
    const struct {
        const char *name;
        float *dst;
    } floats[] = {{"--temp", &o->sampling.temperature},
                  {"--top-p", &o->sampling.top_p},
                  {"--min-p", &o->sampling.min_p},
                  {"--repeat-penalty", &o->sampling.repeat_penalty},
                  {"--frequency-penalty", &o->sampling.frequency_penalty},
                  {"--presence-penalty", &o->sampling.presence_penalty}};
    *ok = true;
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        if (strings[i].dst && !strcmp(name, strings[i].name)) {
            *strings[i].dst = value;
            return true;
        }
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (ints[i].dst && !strcmp(name, ints[i].name)) {
            *ok = parse_int(name, value, ints[i].min, ints[i].dst);
            return true;
        }
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++)
        if (!strcmp(name, floats[i].name)) {
            *ok = parse_float(name, value, floats[i].dst);
            return true;
        }
    return false;
}

bool cli_parse_options(int argc, char **argv, cli_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--profile")) o->engine.profile = 1;
        else if (!strcmp(a, "--kv-f32")) o->engine.kv_f32 = 1;
        else if (!strcmp(a, "--one-by-one")) o->one_by_one = true;
        else if (!strcmp(a, "--no-bos")) o->no_bos = true;
        else if (!strcmp(a, "--prefill-attention") && i + 1 < argc) {
            if (!parse_prefill_attention(argv[++i], &o->engine.prefill_attention))
                return false;
        } else {
            bool ok;
            if (i + 1 < argc && parse_valued(o, a, argv[i + 1], &ok)) {
                if (!ok)
                    return false;
                i++;
                continue;
            }
            fprintf(stderr, "mlavk %s: unknown option or missing value: '%s' (see mlavk --help)\n", argv[0], a);
            return false;
        }
    }
    if (o->trace)
        o->engine.profile = 1;
    o->engine.n_ctx = (uint32_t)o->n_ctx;
    o->engine.batch = (uint32_t)o->batch;
    o->sampling.seed = (uint64_t)o->seed;
    return true;
}

static void draw_progress(double fraction, void *user)
{
    (void)user;
    int filled = (int)(fraction * 40 + 0.5);
    fprintf(stderr, "\rloading [%.*s%*s] %3.0f%%", filled, "########################################", 40 - filled,
            "", fraction * 100);
    if (fraction >= 1.0)
        fputc('\n', stderr);
}

mlavk_engine *cli_open_engine(cli_options *o)
{
    if (isatty(STDERR_FILENO))
        o->engine.progress = draw_progress;
    mlavk_engine *engine = NULL;
    mlavk_status status = mlavk_engine_create(&o->engine, &engine);
    if (status != MLAVK_OK) {
        if (o->engine.progress)
            fputc('\n', stderr);
        cli_report(status);
        return NULL;
    }
    return engine;
}

char *cli_read_file(const char *path, size_t *length)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mlavk: %s: cannot open (%s)\n", path, strerror(errno));
        return NULL;
    }
    size_t capacity = 1 << 16, used = 0;
    char *data = malloc(capacity + 1);
    while (data) {
        used += fread(data + used, 1, capacity - used, f);
        if (used < capacity)
            break;
        char *grown = realloc(data, 2 * capacity + 1);
        if (!grown)
            free(data);
        data = grown;
        capacity *= 2;
    }
    bool failed = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (!data || failed) {
        fprintf(stderr, "mlavk: %s: %s\n", path, data ? "read error" : "out of memory");
        free(data);
        return NULL;
    }
    data[used] = '\0';
    *length = used;
    return data;
}
