/* mlavk: the command-line front end. Uses only the public API in mlavk.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mlavk.h"

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: mlavk <command> [options]\n"
            "\n"
            "commands:\n"
            "  devices [--device D]   list Vulkan devices and their properties; mark the one that would be used\n"
            "  info MODEL [-c CTX]    describe a GGUF file or HF checkpoint directory: hyperparameters, tensors,\n"
            "                         parameters, memory for weights, KV cache and scratch (refuses models with\n"
            "                         tensor types the GPU kernels cannot run)\n"
            "  tokenize (-m MODEL | --tokenizer FILE) [-p TEXT | -f FILE] [--no-bos] [--pieces] [--bench]\n"
            "                         print the token ids of the text (--pieces: one token per line with its text;\n"
            "                         --bench: measure the encoding speed)\n"
            "  detokenize (-m MODEL | --tokenizer FILE) -p ID,ID,...\n"
            "                         print the text of the token ids\n"
            "\n"
            "options:\n"
            "  --help                 show this help\n"
            "  --version              show the version\n"
            "\n"
            "environment:\n"
            "  MLAVK_DEVICE           device index or name substring (like --device)\n"
            "  MLAVK_VALIDATE=1       enable the Khronos validation layer\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0) {
        printf("mlavk %s\n", MLAVK_VERSION_STRING);
        return 0;
    }
    if (strcmp(command, "devices") == 0)
        return cli_devices(argc - 1, argv + 1);
    if (strcmp(command, "info") == 0)
        return cli_info(argc - 1, argv + 1);
    if (strcmp(command, "tokenize") == 0)
        return cli_tokenize(argc - 1, argv + 1);
    if (strcmp(command, "detokenize") == 0)
        return cli_detokenize(argc - 1, argv + 1);
    fprintf(stderr, "mlavk: unknown command '%s' (see mlavk --help)\n", command);
    return 2;
}
