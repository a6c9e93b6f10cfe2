/* The tokenizer of a model on disk: GGUF tokenizer.ggml.* metadata, or an HF directory's tokenizer.json. */
#include <stdlib.h>
#include <string.h>

#include "formats/model_files.h"
#include "tokenizer/tok_chat.h"
#include "tokenizer/tokenizer.h"
#include "util/status.h"

static void copy_string(const gguf_file *gguf, const char *key, char *dst, size_t cap)
{
    gguf_string s = {0};
    dst[0] = '\0';
    if (gguf_find(gguf, key) && gguf_get_string(gguf, key, &s) == MLAVK_OK && s.len < cap) {
        memcpy(dst, s.data, s.len);
        dst[s.len] = '\0';
    }
}

static int64_t optional_id(const gguf_file *gguf, const char *key)
{
    uint64_t id;
    return gguf_find(gguf, key) && gguf_get_u64(gguf, key, &id) == MLAVK_OK ? (int64_t)id : -1;
}

/* Pointer and length views of a GGUF string array. */
static mlavk_status string_views(const gguf_file *gguf, const char *key, const char *path, size_t *count,
                                 const char ***texts, size_t **lengths)
{
    const gguf_array *array;
    *texts = NULL;
    *lengths = NULL;
    if (!gguf_find(gguf, key))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing tokenizer key %s", path, key);
    MLAVK_TRY(gguf_get_array(gguf, key, &array));
    if (array->elem_type != GGUF_TYPE_STRING)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: %s is not an array of strings", path, key);
    *count = array->count;
    *texts = malloc((array->count + 1) * sizeof **texts);
    *lengths = malloc((array->count + 1) * sizeof **lengths);
    if (!*texts || !*lengths)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", path);
    for (uint64_t i = 0; i < array->count; i++) {
        (*texts)[i] = array->strings[i].data;
        (*lengths)[i] = array->strings[i].len;
    }
    return MLAVK_OK;
}

static mlavk_status token_types(const gguf_file *gguf, size_t count, int32_t **types)
{
    const gguf_array *array;
    *types = NULL;
    if (!gguf_find(gguf, "tokenizer.ggml.token_type") ||
        gguf_get_array(gguf, "tokenizer.ggml.token_type", &array) != MLAVK_OK || array->count != count)
        return MLAVK_OK; /* optional: every token is then normal */
    *types = malloc(count * sizeof **types);
    if (!*types)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "tokenizer: out of memory");
    for (size_t i = 0; i < count; i++) {
        gguf_value v;
        int64_t t = 1;
        if (gguf_array_scalar(array, i, &v))
            gguf_value_to_i64(&v, &t);
        (*types)[i] = (int32_t)t;
    }
    return MLAVK_OK;
}

mlavk_status tok_load_gguf_metadata(const gguf_file *gguf, const char *path, mlavk_tokenizer **out)
{
    char model[32], pre[64];
    copy_string(gguf, "tokenizer.ggml.model", model, sizeof model);
    copy_string(gguf, "tokenizer.ggml.pre", pre, sizeof pre);
    tok_gguf_vocab v = {.source = path, .model = model, .pre = pre};
    const char **tokens = NULL, **merges = NULL;
    size_t *token_lengths = NULL, *merge_lengths = NULL;
    int32_t *types = NULL;
    bool add_bos = false;
    v.add_bos = gguf_find(gguf, "tokenizer.ggml.add_bos_token") &&
                        gguf_get_bool(gguf, "tokenizer.ggml.add_bos_token", &add_bos) == MLAVK_OK
                    ? add_bos
                    : -1;
    v.bos_id = optional_id(gguf, "tokenizer.ggml.bos_token_id");
    v.eos_id = optional_id(gguf, "tokenizer.ggml.eos_token_id");
    mlavk_status status = string_views(gguf, "tokenizer.ggml.tokens", path, &v.token_count, &tokens, &token_lengths);
    if (status == MLAVK_OK)
        status = string_views(gguf, "tokenizer.ggml.merges", path, &v.merge_count, &merges, &merge_lengths);
    if (status == MLAVK_OK)
        status = token_types(gguf, v.token_count, &types);
    if (status == MLAVK_OK) {
        v.tokens = tokens;
        v.token_lengths = token_lengths;
        v.merges = merges;
        v.merge_lengths = merge_lengths;
        v.token_types = types;
        status = tok_load_gguf(&v, out);
    }
    gguf_string chat_template = {0};
    if (status == MLAVK_OK && gguf_find(gguf, "tokenizer.chat_template") &&
        gguf_get_string(gguf, "tokenizer.chat_template", &chat_template) == MLAVK_OK) {
        status = tok_set_chat_template(*out, chat_template.data, chat_template.len, path);
        if (status != MLAVK_OK) {
            mlavk_tokenizer_free(*out);
            *out = NULL;
        }
    }
    free(tokens);
    free(token_lengths);
    free(merges);
    free(merge_lengths);
    free(types);
    return status;
}

mlavk_status tok_load_model_files(const model_files *files, const char *path, mlavk_tokenizer **out)
{
    *out = NULL;
    if (files->gguf)
        return tok_load_gguf_metadata(files->gguf, path, out);
    if (!files->tokenizer_json)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: no tokenizer.json beside the checkpoint", path);
    return mlavk_tokenizer_load_json(files->tokenizer_json, files->tokenizer_config_json, out);
}

mlavk_status mlavk_tokenizer_load_model(const char *path, mlavk_tokenizer **out)
{
    model_files *files;
    *out = NULL;
    MLAVK_TRY(model_files_open(path, false, &files));
    mlavk_status status = tok_load_model_files(files, path, out);
    model_files_close(files);
    return status;
}
