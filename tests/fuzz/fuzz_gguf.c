/* libFuzzer harness: a GGUF file from memory, then everything the loader does with a parsed file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/deepseek_config.h"
#include "formats/gguf.h"
#include "formats/tensor_source.h"

/* Reads every value back, so getters run over whatever the parser accepted. */
static void walk_metadata(const gguf_file *g)
{
    for (uint64_t i = 0; i < gguf_kv_count(g); i++) {
        const gguf_kv *kv = gguf_kv_at(g, i);
        uint64_t u;
        float f;
        gguf_get_u64(g, kv->key, &u);
        gguf_get_f32(g, kv->key, &f);
        if (kv->value.type == GGUF_TYPE_ARRAY && kv->value.as.arr.count) {
            gguf_value v;
            gguf_array_scalar(&kv->value.as.arr, kv->value.as.arr.count - 1, &v);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gguf_file *g;
    if (gguf_open_memory(data, size, "fuzz.gguf", &g) != MLAVK_OK)
        return 0;
    walk_metadata(g);
    deepseek_config config;
    tensor_source_set *sources;
    if (tensor_sources_from_gguf(g, &sources) == MLAVK_OK) {
        deepseek_kv_b_form form;
        if (deepseek_config_from_gguf(g, &config) == MLAVK_OK)
            tensor_sources_check_manifest(sources, &config, "fuzz.gguf", &form);
        for (uint32_t i = 0; i < tensor_sources_count(sources); i++) {
            const tensor_source *src = tensor_sources_at(sources, i);
            void *copy = src->n_bytes <= (1u << 20) ? malloc(src->n_bytes ? src->n_bytes : 1) : NULL;
            if (copy)
                tensor_source_read(src, copy, src->n_bytes);
            free(copy);
        }
        tensor_sources_free(sources);
    }
    gguf_close(g);
    return 0;
}
