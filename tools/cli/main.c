/* mlavk: the command-line front end. Uses only the public API in mlavk.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server_main.h"
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
            "  run [-m MODEL] [-p TEXT | -f FILE] [-n N] [sampling] [-c CTX] [--device D] [--profile] [--trace F]\n"
            "                         generate from a prompt, streaming the text, then one summary line\n"
            "  chat [-m MODEL] [-p SYSTEM] [-n N] [sampling]\n"
            "                         interactive chat with the model's chat template; the conversation stays in\n"
            "                         the cache across turns\n"
            "  bench [-m MODEL] [-p 512] [-n 128] [-r 5] [-d DEPTH] [--profile] [--parallel N]\n"
            "                         prompt processing and generation speed, llama-bench style; --parallel N:\n"
            "                         aggregate generation speed of N sequences decoded together (each after\n"
            "                         its own prompt of -p tokens)\n"
            "  logits [-m MODEL] --tokens ID,ID,... [-o FILE] [--one-by-one]\n"
            "                         logits of every position: text, or raw little-endian float32 n x vocab\n"
            "  perplexity [-m MODEL] -f FILE [-c CTX]\n"
            "                         perplexity over non-overlapping windows of CTX tokens, each from BOS\n"
            "  transmla -m GQA_MODEL -o OUT.gguf [--rope-dim 64] [--kv-rank 512] [--freqfold N|auto]\n"
            "           [--calib FILE] [--exact]\n"
            "                         convert a llama/qwen2 GGUF or HF dir to an MLA (deepseek2) GGUF by TransMLA; --exact:\n"
            "                         RoPE on every key dimension and full rank, the same logits and cache size\n"
            "  serve [-m MODEL] [--host 127.0.0.1] [--port 8080] [--parallel 4] [--cache-tokens T] [--queue 64]\n"
            "        [--drain-seconds 30] [--api-key KEY] [-c CTX] [-b N] [--kv-f32] [--device D]\n"
            "                         OpenAI-compatible HTTP server: /v1/chat/completions, /v1/completions,\n"
            "                         /v1/models, /health, /metrics (docs/SERVING.md); --port 0 takes a free port\n"
            "\n"
            "MODEL is a GGUF file or a Hugging Face checkpoint directory; without -m, the built-in model.\n"
            "sampling: --temp T (0: greedy) --top-k K --top-p P --min-p M --repeat-penalty R --seed S\n"
            "          --frequency-penalty F --presence-penalty P (OpenAI's, over the tokens generated)\n"
            "engine: -c CTX (context), -b N (prompt batch), --kv-f32 (F32 latent cache), --no-bos,\n"
            "        --prefill-attention auto|absorbed|expanded (MLA form for prompt batches; auto: the one\n"
            "        with fewer operations for each batch)\n"
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
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {{"devices", cli_devices}, {"run", cli_run},       {"chat", cli_chat},
                    {"bench", cli_bench},     {"logits", cli_logits}, {"perplexity", cli_perplexity},
                    {"serve", cli_serve}};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(command, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (strcmp(command, "info") == 0)
        return cli_info(argc - 1, argv + 1);
    if (strcmp(command, "tokenize") == 0)
        return cli_tokenize(argc - 1, argv + 1);
    if (strcmp(command, "transmla") == 0)
        return cli_transmla(argc - 1, argv + 1);
    if (strcmp(command, "detokenize") == 0)
        return cli_detokenize(argc - 1, argv + 1);
    fprintf(stderr, "mlavk: unknown command '%s' (see mlavk --help)\n", command);
    return 2;
}
