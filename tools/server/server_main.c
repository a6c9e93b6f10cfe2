/* mlavk serve: options, start-up, and shutdown on SIGTERM or SIGINT (stop accepting, let running requests
 * finish for --drain-seconds, then cancel them, exit 0). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "server_main.h"

static bool parse_count(const char *name, const char *value, unsigned min, unsigned max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || *end || end == value || value[0] == '-' || v < min || v > max) {
        fprintf(stderr, "mlavk serve: %s needs an integer from %u to %u, not '%s'\n", name, min, max, value);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool parse_options(int argc, char **argv, server_options *o)
{
    uint32_t n_ctx = 0, batch = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (!strcmp(a, "--kv-f32")) {
            o->engine.kv_f32 = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "mlavk serve: unknown option or missing value: '%s' (see mlavk --help)\n", a);
            return false;
        }
        if (!strcmp(a, "-m")) o->engine.model_path = v;
        else if (!strcmp(a, "--device")) o->engine.device = v;
        else if (!strcmp(a, "--host")) o->host = v;
        else if (!strcmp(a, "--api-key")) o->api_key = v;
        else if (!strcmp(a, "--port")) ok = parse_count(a, v, 0, 65535, &o->port);
        else if (!strcmp(a, "--parallel")) ok = parse_count(a, v, 1, 256, &o->parallel);
        else if (!strcmp(a, "--cache-tokens")) ok = parse_count(a, v, 1, 1u << 30, &o->cache_tokens);
        else if (!strcmp(a, "--queue")) ok = parse_count(a, v, 0, 1u << 20, &o->queue_limit);
        else if (!strcmp(a, "--drain-seconds")) ok = parse_count(a, v, 0, 86400, &o->drain_seconds);
        else if (!strcmp(a, "-c")) ok = parse_count(a, v, 1, 1u << 30, &n_ctx);
        else if (!strcmp(a, "-b")) ok = parse_count(a, v, 1, 1u << 16, &batch);
        else {
            fprintf(stderr, "mlavk serve: unknown option: '%s' (see mlavk --help)\n", a);
            return false;
        }
        if (!ok)
            return false;
        i++;
    }
    o->engine.n_ctx = n_ctx;
    o->engine.batch = batch;
    /* the environment keeps the key out of the process list; the option wins */
    if (!o->api_key)
        o->api_key = getenv("MLAVK_API_KEY");
    if (o->api_key && !o->api_key[0]) {
        fprintf(stderr, "mlavk serve: the API key (--api-key or MLAVK_API_KEY) is empty\n");
        return false;
    }
    return true;
}

/* The model's name in the API: its file name without .gguf, or its directory's name. */
static void model_id(const char *path, char *out, size_t size)
{
    size_t length = strlen(path);
    while (length > 1 && path[length - 1] == '/')
        length--;
    size_t start = length;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t n = length - start;
    if (n > 5 && strncmp(path + length - 5, ".gguf", 5) == 0)
        n -= 5;
    snprintf(out, size, "%.*s", (int)n, path + start);
}

int cli_serve(int argc, char **argv)
{
    server s = {.options = {.host = "127.0.0.1", .port = 8080, .parallel = 4, .queue_limit = 64,
                            .drain_seconds = 30}};
    if (!parse_options(argc, argv, &s.options))
        return 2;
    const char *path = s.options.engine.model_path ? s.options.engine.model_path : mlavk_default_model_path();
    model_id(path, s.model_id, sizeof s.model_id);
    /* A path that is no model fails here, in one line, before the server listens. */
    mlavk_tokenizer *tokenizer = NULL;
    if (mlavk_tokenizer_load_model(path, &tokenizer) != MLAVK_OK) {
        fprintf(stderr, "mlavk serve: %s\n", mlavk_last_error());
        return 1;
    }
    mlavk_tokenizer_free(tokenizer);
    /* Every thread inherits the blocked signals, so only sigwait below sees them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.engine_wake, NULL);
    int code = 1;
    if (server_http_start(&s) && server_start_engine(&s)) {
        int received;
        sigwait(&signals, &received);
        pthread_mutex_lock(&s.lock);
        bool failed = s.load_failed;
        pthread_mutex_unlock(&s.lock);
        if (!failed)
            fprintf(stderr, "mlavk serve: %s: no new requests; finishing those running\n",
                    received == SIGTERM ? "SIGTERM" : "SIGINT");
        server_http_quiesce(&s);
        server_stop_engine(&s);
        code = failed ? 1 : 0;
    }
    server_http_stop(&s);
    pthread_cond_destroy(&s.engine_wake);
    pthread_mutex_destroy(&s.lock);
    if (code == 0)
        fprintf(stderr, "mlavk serve: stopped\n");
    return code;
}
