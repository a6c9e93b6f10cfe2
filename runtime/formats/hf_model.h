/* A Hugging Face DeepSeek checkpoint directory: config.json, one or more *.safetensors files (sharded ones listed
 * in model.safetensors.index.json), and the tokenizer files. Tensors are exposed under their GGUF names. */
#ifndef MLAVK_FORMATS_HF_MODEL_H
#define MLAVK_FORMATS_HF_MODEL_H

#include <stdint.h>

#include "formats/deepseek_config.h"
#include "formats/safetensors.h"
#include "formats/st_shards.h"
#include "formats/tensor_source.h"
#include "mlavk.h"

typedef struct hf_model {
    char *dir;
    deepseek_config config;
    st_shards shards;
    tensor_source_set *sources;
    uint64_t file_bytes;           /* config.json and every shard */
    char *tokenizer_json;          /* path, NULL when the directory has none */
    char *tokenizer_config_json;   /* path, NULL when the directory has none */
} hf_model;

mlavk_status hf_model_open(const char *dir, hf_model **out);
void hf_model_close(hf_model *model);

/* The GGUF name of an HF tensor name: kind says how it maps; layer/expert are set for per-block names. */
typedef enum hf_name_kind {
    HF_NAME_UNUSED,   /* not a tensor the runtime reads (rotary caches, scales read with their weight) */
    HF_NAME_MTP,      /* a multi-token-prediction block (n_layer <= layer < n_layer + n_nextn): skipped */
    HF_NAME_TENSOR,   /* maps to one GGUF tensor */
    HF_NAME_EXPERT,   /* one expert's slice of a stacked GGUF tensor */
    HF_NAME_UNKNOWN,  /* a model tensor mlavk does not know (or a block past the MTP ones): refused */
} hf_name_kind;

hf_name_kind hf_map_name(const char *hf_name, uint32_t n_layer, uint32_t n_nextn, char *gguf_name, size_t cap,
                         uint32_t *expert);

#endif
