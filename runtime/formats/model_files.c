#include "formats/model_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/status.h"

static mlavk_status open_gguf(const char *path, model_files *f)
{
    MLAVK_TRY(gguf_open(path, &f->gguf));
    snprintf(f->format, sizeof f->format, "GGUF v%u", gguf_version(f->gguf));
    f->file_bytes = gguf_file_size(f->gguf);
    MLAVK_TRY(deepseek_config_from_gguf(f->gguf, &f->config));
    MLAVK_TRY(tensor_sources_from_gguf(f->gguf, &f->owned_sources));
    f->sources = f->owned_sources;
    return MLAVK_OK;
}

static mlavk_status open_hf(const char *path, model_files *f)
{
    MLAVK_TRY(hf_model_open(path, &f->hf));
    snprintf(f->format, sizeof f->format, "safetensors");
    f->config = f->hf->config;
    f->sources = f->hf->sources;
    f->file_bytes = f->hf->file_bytes;
    f->tokenizer_json = f->hf->tokenizer_json;
    f->tokenizer_config_json = f->hf->tokenizer_config_json;
    return MLAVK_OK;
}

static mlavk_status open_files(const char *path, bool require_runnable, model_files *f)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mlavk_fail(MLAVK_ERR_IO, "%s: no such file or directory", path);
    MLAVK_TRY(S_ISDIR(st.st_mode) ? open_hf(path, f) : open_gguf(path, f));
    MLAVK_TRY(tensor_sources_check_manifest(f->sources, &f->config, path, &f->kv_b_form));
    return require_runnable ? tensor_sources_check_runnable(f->sources, path) : MLAVK_OK;
}

mlavk_status model_files_open(const char *path, bool require_runnable, model_files **out)
{
    *out = NULL;
    model_files *f = calloc(1, sizeof *f);
    if (!f)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    mlavk_status status = open_files(path, require_runnable, f);
    if (status != MLAVK_OK) {
        model_files_close(f);
        return status;
    }
    *out = f;
    return MLAVK_OK;
}

void model_files_close(model_files *f)
{
    if (!f)
        return;
    tensor_sources_free(f->owned_sources);
    gguf_close(f->gguf);
    hf_model_close(f->hf);
    free(f);
}
