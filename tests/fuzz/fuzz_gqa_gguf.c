/* libFuzzer harness: a GGUF file from memory read as a GQA model (llama / qwen2), every tensor decoded. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/gqa_model_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gqa_model *m = calloc(1, sizeof *m);
    if (!m)
        return 0;
    if (gguf_open_memory(data, size, "fuzz.gguf", &m->gguf) == MLAVK_OK)
        gqa_read_gguf(m);
    gqa_model_free(m);
    return 0;
}
