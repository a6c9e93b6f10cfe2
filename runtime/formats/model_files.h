/* A DeepSeek model on disk, GGUF file or HF directory, opened the same way: hyperparameters, tensor sources
 * checked against the manifest, tokenizer locations. What the model loader and `mlavk info` start from. */
#ifndef MLAVK_FORMATS_MODEL_FILES_H
#define MLAVK_FORMATS_MODEL_FILES_H

#include <stdint.h>

#include "formats/deepseek_config.h"
#include "formats/gguf.h"
#include "formats/hf_model.h"
#include "formats/tensor_source.h"
#include "mlavk.h"

typedef struct model_files {
    char format[32];                   /* "GGUF v3", "safetensors" */
    gguf_file *gguf;                   /* GGUF only (tokenizer metadata lives here) */
    hf_model *hf;                      /* HF directory only */
    deepseek_config config;
    const tensor_source_set *sources;
    deepseek_kv_b_form kv_b_form;
    uint64_t file_bytes;
    const char *tokenizer_json;        /* HF only; NULL when absent */
    const char *tokenizer_config_json; /* HF only; NULL when absent */
    tensor_source_set *owned_sources;
} model_files;

/* path: a GGUF file or an HF directory. Fails on anything malformed, on a tensor the hyperparameters do not
 * call for with its exact shape missing, and (when require_runnable) on tensor types the GPU cannot run. */
mlavk_status model_files_open(const char *path, bool require_runnable, model_files **out);
void model_files_close(model_files *files);

#endif
