/* libFuzzer harness: an HF LlamaForCausalLM / Qwen2ForCausalLM config.json read as a GQA configuration. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/gqa_model_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gqa_model *m = calloc(1, sizeof *m);
    if (!m)
        return 0;
    gqa_config_from_json((const char *)data, size, "fuzz/config.json", m);
    gqa_model_free(m);
    return 0;
}
