/* Writes, into the directory given as argv[1], the inputs of the `mlavk transmla` failure tests: a llama GQA GGUF
 * (4 query heads over 2 KV heads of 24) and a DeepSeek GGUF (not GQA). */
#include <stdio.h>
#include <sys/stat.h>

#include "model_writer.h"
#include "model_writer_gqa.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_transmla_inputs DIR\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    char path[1024];
    gqa_tiny g;
    gqa_tiny_default(&g, false);
    snprintf(path, sizeof path, "%s/llama.gguf", argv[1]);
    int ok = gqa_tiny_write_gguf(&g, path);
    tiny_model d;
    tiny_model_default(&d);
    snprintf(path, sizeof path, "%s/deepseek.gguf", argv[1]);
    ok = ok && tiny_write_gguf(&d, path);
    if (!ok)
        fprintf(stderr, "make_transmla_inputs: cannot write into %s\n", argv[1]);
    return ok ? 0 : 1;
}
