/* mlavk tokenize / detokenize: text to token ids and back, with the tokenizer of a model or a tokenizer.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_options.h"

typedef struct tokenize_options {
    const char *model, *tokenizer, *text, *file; /* text: -p, the text or (detokenize) the id list */
    int no_bos, pieces, bench;
} tokenize_options;

static int usage_error(const char *command, const char *problem, const char *arg)
{
    fprintf(stderr, "mlavk %s: %s%s\n", command, problem, arg ? arg : "");
    return 2;
}

static int parse_options(int argc, char **argv, tokenize_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = strcmp(a, "-m") == 0 ? &o->model
                             : strcmp(a, "--tokenizer") == 0 ? &o->tokenizer
                             : strcmp(a, "-p") == 0 ? &o->text
                             : strcmp(a, "-f") == 0 ? &o->file
                                                    : NULL;
        if (value && i + 1 < argc)
            *value = argv[++i];
        else if (strcmp(a, "--no-bos") == 0)
            o->no_bos = 1;
        else if (strcmp(a, "--pieces") == 0)
            o->pieces = 1;
        else if (strcmp(a, "--bench") == 0)
            o->bench = 1;
        else
            return usage_error(argv[0], value ? "missing value for " : "unknown option ", a);
    }
    if (!o->model == !o->tokenizer)
        return usage_error(argv[0], "give exactly one of -m MODEL or --tokenizer tokenizer.json", NULL);
    return 0;
}

static mlavk_status load(const tokenize_options *o, mlavk_tokenizer **tokenizer)
{
    if (o->model)
        return mlavk_tokenizer_load_model(o->model, tokenizer);
    return mlavk_tokenizer_load_json(o->tokenizer, NULL, tokenizer);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Encodes the text until a second has passed; the first pass runs with an empty word cache. */
static int bench(mlavk_tokenizer *tokenizer, const char *text, size_t length)
{
    double start = seconds_now(), first = 0;
    size_t passes = 0, count = 0;
    do {
        int32_t *ids;
        mlavk_status status = mlavk_tokenize(tokenizer, text, length, 0, &ids, &count);
        if (status != MLAVK_OK)
            return cli_report(status);
        free(ids);
        if (passes++ == 0)
            first = seconds_now() - start;
    } while (seconds_now() - start < 1.0);
    double mean = (seconds_now() - start) / passes;
    printf("%zu bytes -> %zu tokens; first pass %.2f MB/s, mean of %zu passes %.2f MB/s\n", length, count,
           length / first / 1e6, passes, length / mean / 1e6);
    return 0;
}

/* True when bytes are whole UTF-8 characters (structure only: enough to tell a split character). */
static int whole_utf8(const char *bytes, size_t length)
{
    for (size_t i = 0; i < length;) {
        unsigned char c = (unsigned char)bytes[i];
        size_t n = c < 0x80 ? 1 : c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        if (n == 0 || i + n > length)
            return 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)bytes[i + k] & 0xC0) != 0x80)
                return 0;
        i += n;
    }
    return 1;
}

/* One token per line: control bytes, backslashes and the bytes of a token that holds only part of a
 * character are escaped as \xNN so each line stays printable. */
static void print_piece(const char *bytes, size_t length)
{
    int whole = whole_utf8(bytes, length);
    for (size_t j = 0; j < length; j++) {
        unsigned char c = (unsigned char)bytes[j];
        if (c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && !whole))
            printf("\\x%02x", c);
        else
            putchar(c);
    }
}

static void print_ids(const mlavk_tokenizer *tokenizer, const int32_t *ids, size_t count, int pieces)
{
    for (size_t i = 0; i < count; i++) {
        if (!pieces) {
            printf(i ? ",%d" : "%d", ids[i]);
            continue;
        }
        const char *bytes;
        size_t length;
        mlavk_token_bytes(tokenizer, ids[i], &bytes, &length);
        printf("%d\t", ids[i]);
        print_piece(bytes, length);
        putchar('\n');
    }
    if (!pieces)
        putchar('\n');
}

int cli_tokenize(int argc, char **argv)
{
    tokenize_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    if (!o.text == !o.file)
        return usage_error(argv[0], "give exactly one of -p TEXT or -f FILE", NULL);
    size_t length = o.text ? strlen(o.text) : 0;
    char *file_text = o.file ? cli_read_file(o.file, &length) : NULL;
    if (o.file && !file_text)
        return 1;
    mlavk_tokenizer *tokenizer;
    mlavk_status status = load(&o, &tokenizer);
    if (status != MLAVK_OK) {
        free(file_text);
        return cli_report(status);
    }
    const char *text = o.text ? o.text : file_text;
    int32_t *ids = NULL;
    size_t count = 0;
    if (o.bench)
        rc = bench(tokenizer, text, length);
    else if ((status = mlavk_tokenize(tokenizer, text, length, o.no_bos ? 0 : MLAVK_BOS_DEFAULT, &ids, &count)))
        rc = cli_report(status);
    else
        print_ids(tokenizer, ids, count, o.pieces);
    free(ids);
    free(file_text);
    mlavk_tokenizer_free(tokenizer);
    return rc;
}

static int parse_id_list(const char *list, int32_t **ids, size_t *count)
{
    size_t capacity = strlen(list) / 2 + 1;
    *ids = malloc(capacity * sizeof **ids);
    *count = 0;
    const char *p = list;
    while (*ids && *p) {
        char *end;
        errno = 0;
        long value = strtol(p, &end, 10);
        if (end == p || errno || value < 0 || value > INT32_MAX || (*end && *end != ',') || *count == capacity) {
            fprintf(stderr, "mlavk: -p: \"%s\" is not a comma-separated list of token ids\n", list);
            free(*ids);
            return 1;
        }
        (*ids)[(*count)++] = (int32_t)value;
        p = *end ? end + 1 : end;
    }
    return *ids ? 0 : cli_report(MLAVK_ERR_OUT_OF_HOST_MEMORY);
}

int cli_detokenize(int argc, char **argv)
{
    tokenize_options o = {0};
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc;
    if (!o.text || o.file)
        return usage_error(argv[0], "give the ids as -p ID,ID,...", NULL);
    int32_t *ids;
    size_t count;
    if (parse_id_list(o.text, &ids, &count))
        return 1;
    mlavk_tokenizer *tokenizer;
    mlavk_status status = load(&o, &tokenizer);
    if (status != MLAVK_OK) {
        free(ids);
        return cli_report(status);
    }
    char *text;
    size_t length;
    status = mlavk_detokenize(tokenizer, ids, count, &text, &length);
    if (status == MLAVK_OK) {
        fwrite(text, 1, length, stdout);
        putchar('\n');
        free(text);
    }
    free(ids);
    mlavk_tokenizer_free(tokenizer);
    return status == MLAVK_OK ? 0 : cli_report(status);
}
