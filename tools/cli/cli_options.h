/* Options shared by the commands that run a model (run, chat, bench, logits, perplexity). */
#ifndef MLAVK_CLI_OPTIONS_H
#define MLAVK_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "mlavk.h"

typedef struct cli_options {
    mlavk_engine_params engine;
    mlavk_sampling sampling;
    const char *prompt;        /* -p */
    const char *file;          /* -f */
    const char *tokens;        /* --tokens */
    const char *output;        /* -o */
    const char *trace;         /* --trace */
    int n_predict;             /* -n */
    int n_ctx, batch, seed;    /* -c, -b, --seed: copied into engine and sampling */
    int bench_prompt;          /* bench -p (-1 for the commands where -p is the prompt text) */
    int repetitions;           /* -r */
    int depth;                 /* -d */
    int parallel;              /* bench --parallel: sequences decoded together */
    bool one_by_one;
    bool no_bos;
} cli_options;

/* Parses argv[1..] (argv[0] is the command name); the command's own defaults are set beforehand. Prints a
 * message and returns false on an unknown option or a bad value. */
bool cli_parse_options(int argc, char **argv, cli_options *o);

/* Creates the engine with a progress bar on stderr when it is a terminal; prints the error itself. */
mlavk_engine *cli_open_engine(cli_options *o);

/* Prints the per-op table of the last step (--profile) and writes the Chrome trace (--trace FILE). */
void cli_print_profile(const mlavk_engine *engine, FILE *out);
bool cli_write_trace(const mlavk_engine *engine, const char *path);

/* Reads a whole file (or stdin for "-"); prints the error itself and returns NULL on failure. */
char *cli_read_file(const char *path, size_t *length);

#endif
