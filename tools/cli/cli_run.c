/* mlavk run: generate from a prompt, streaming the text; mlavk chat: an interactive conversation (a session). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_options.h"

typedef struct stream {
    mlavk_tokenizer *tokenizer;
    mlavk_detokenizer *detokenizer;
    int32_t eos;
    FILE *out;
} stream;

static void emit(stream *s, const char *text, size_t length)
{
    fwrite(text, 1, length, s->out);
    fflush(s->out);
}

static int on_token(int32_t token, void *user)
{
    stream *s = user;
    if (token == s->eos)
        return 0;
    const char *text;
    size_t length;
    if (mlavk_detokenizer_feed(s->detokenizer, token, &text, &length) == MLAVK_OK)
        emit(s, text, length);
    return 0;
}

static void finish_stream(stream *s)
{
    const char *text;
    size_t length;
    if (mlavk_detokenizer_finish(s->detokenizer, &text, &length) == MLAVK_OK)
        emit(s, text, length);
}

static void print_summary(const mlavk_stats *st)
{
    fprintf(stderr,
            "\nprompt %u tokens, %.1f tok/s | generated %u tokens, %.1f tok/s | KV cache %u of %u tokens, "
            "%.1f KiB of %.1f KiB (an MHA cache would hold %.1f KiB)\n",
            st->prompt_tokens, st->prompt_seconds > 0 ? st->prompt_tokens / st->prompt_seconds : 0.0,
            st->generated_tokens, st->generation_seconds > 0 ? st->generated_tokens / st->generation_seconds : 0.0,
            st->n_past, st->n_ctx, st->kv_bytes_used / 1024.0, st->kv_bytes_total / 1024.0,
            st->mha_kv_bytes_used / 1024.0);
}

static void default_run_options(cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->sampling = mlavk_sampling_defaults();
    o->n_predict = 128;
    o->bench_prompt = -1;
}

int cli_run(int argc, char **argv)
{
    cli_options o;
    default_run_options(&o);
    if (!cli_parse_options(argc, argv, &o))
        return 2;
    size_t length = 0;
    char *text = o.file ? cli_read_file(o.file, &length) : strdup(o.prompt ? o.prompt : "");
    if (!text)
        return 1;
    length = o.file ? length : strlen(text);
    mlavk_engine *engine = cli_open_engine(&o);
    if (!engine) {
        free(text);
        return 1;
    }
    mlavk_tokenizer *tokenizer = mlavk_engine_tokenizer(engine);
    int32_t *ids = NULL;
    size_t n = 0;
    mlavk_status status = mlavk_tokenize(tokenizer, text, length, o.no_bos ? 0 : MLAVK_BOS_DEFAULT, &ids, &n);
    stream s = {.tokenizer = tokenizer, .eos = mlavk_tokenizer_eos(tokenizer), .out = stdout};
    if (status == MLAVK_OK)
        status = mlavk_detokenizer_create(tokenizer, &s.detokenizer);
    mlavk_stats stats;
    if (status == MLAVK_OK) {
        fwrite(text, 1, length, stdout);
        fflush(stdout);
        status = mlavk_engine_generate(engine, ids, (uint32_t)n, (uint32_t)o.n_predict, &o.sampling, on_token, &s,
                                       &stats);
        finish_stream(&s);
    }
    int code = status == MLAVK_OK ? 0 : cli_report(status);
    if (status == MLAVK_OK) {
        print_summary(&stats);
        if (o.engine.profile)
            cli_print_profile(engine, stderr);
        if (o.trace && !cli_write_trace(engine, o.trace))
            code = 1;
    }
    mlavk_detokenizer_free(s.detokenizer);
    free(ids);
    free(text);
    mlavk_engine_free(engine);
    return code;
}

/* ---- chat ---- */

static int print_text(int32_t token, const char *text, size_t length, void *user)
{
    (void)token;
    fwrite(text, 1, length, user);
    fflush(user);
    return 0;
}

static char *read_line(void)
{
    size_t capacity = 256, used = 0;
    char *line = malloc(capacity);
    int ch;
    while (line && (ch = getchar()) != EOF && ch != '\n') {
        if (used + 1 == capacity) {
            char *grown = realloc(line, capacity *= 2);
            if (!grown)
                free(line);
            line = grown;
        }
        if (line)
            line[used++] = (char)ch;
    }
    if (line && used == 0 && ch == EOF) {
        free(line);
        return NULL;
    }
    if (line)
        line[used] = '\0';
    return line;
}

/* The model's own chat template, recognised before any weight is loaded. */
static int model_chat_template(const cli_options *o, mlavk_chat_template *style)
{
    const char *path = o->engine.model_path ? o->engine.model_path : mlavk_default_model_path();
    mlavk_tokenizer *tokenizer = NULL;
    mlavk_status status = mlavk_tokenizer_load_model(path, &tokenizer);
    if (status != MLAVK_OK)
        return cli_report(status);
    status = mlavk_chat_template_of(tokenizer, style);
    mlavk_tokenizer_free(tokenizer);
    if (status != MLAVK_OK) {
        fprintf(stderr, "mlavk: %s; `mlavk run` takes a prompt written in the model's own format\n",
                mlavk_last_error());
        return 1;
    }
    return 0;
}

int cli_chat(int argc, char **argv)
{
    cli_options o;
    default_run_options(&o);
    o.n_predict = 256;
    if (!cli_parse_options(argc, argv, &o))
        return 2;
    mlavk_chat_template style;
    if (model_chat_template(&o, &style) != 0)
        return 1;
    mlavk_engine *engine = cli_open_engine(&o);
    if (!engine)
        return 1;
    mlavk_session *session = NULL;
    mlavk_status status = mlavk_session_create(engine, o.prompt, &session);
    mlavk_engine_info info;
    mlavk_engine_get_info(engine, &info);
    if (status == MLAVK_OK)
        fprintf(stderr, "chat with %s on %s, %s chat template (an empty line or end of input ends it)\n",
                info.model_path, info.device, mlavk_chat_template_name(mlavk_session_template(session)));
    for (char *line; status == MLAVK_OK && (fputs("> ", stderr), line = read_line());) {
        if (line[0] == '\0') {
            free(line);
            break;
        }
        mlavk_stats stats;
        status = mlavk_session_turn(session, line, (uint32_t)o.n_predict, &o.sampling, print_text, stdout, &stats);
        free(line);
        fputc('\n', stdout);
        if (status == MLAVK_OK)
            print_summary(&stats);
    }
    int code = status == MLAVK_OK ? 0 : cli_report(status);
    mlavk_session_free(session);
    mlavk_engine_free(engine);
    return code;
}
