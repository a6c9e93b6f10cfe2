/* Subcommands of the mlavk CLI; each takes argv starting at its own name and returns the exit code. */
#ifndef MLAVK_CLI_H
#define MLAVK_CLI_H

#include "mlavk.h"

int cli_devices(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_chat(int argc, char **argv);
int cli_bench(int argc, char **argv);
int cli_logits(int argc, char **argv);
int cli_perplexity(int argc, char **argv);
int cli_info(int argc, char **argv);
int cli_tokenize(int argc, char **argv);
int cli_detokenize(int argc, char **argv);
int cli_transmla(int argc, char **argv);

/* Prints "mlavk: <detail>" (or the status description) to stderr and returns exit code 1. */
int cli_report(mlavk_status status);

#endif
