/* libFuzzer harness: an HF config.json, then the tensor manifest of whatever hyperparameters it accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/deepseek_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    deepseek_config config;
    if (deepseek_config_from_json((const char *)data, size, "fuzz/config.json", &config) != MLAVK_OK)
        return 0;
    deepseek_tensor_spec *specs;
    uint32_t count;
    if (config.n_layer <= 64 && deepseek_manifest(&config, DEEPSEEK_KV_B_SPLIT, &specs, &count) == MLAVK_OK)
        free(specs);
    return 0;
}
