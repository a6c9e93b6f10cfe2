/* Loader for Hugging Face tokenizer.json (+ tokenizer_config.json). Both are untrusted input: every field is
 * checked for presence, type and range before use. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tok_chat.h"
#include "tokenizer/tok_internal.h"
#include "util/status.h"

#define TOK_JSON_MAX_ID (1 << 24)
#define TOK_JSON_MAX_BYTES ((size_t)1 << 31)
#define TOK_MAX_SPLITS 16

typedef struct json_vocab {
    const char *name; /* tokenizer.json's file name, for messages */
    tok_vocab_desc desc;
    tok_text *tokens;
    tok_text *merges;
    tok_added_token *added;
    tok_text splits[TOK_MAX_SPLITS];
    const char *chat_template; /* tokenizer_config.json's, in config_root */
    int64_t template_bos;      /* the token the post-processor's template starts with, -1 none */
    cJSON *config_root;
} json_vocab;

static bool json_id(const cJSON *item, uint32_t *id)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= 0 && v < TOK_JSON_MAX_ID) || floor(v) != v)
        return false;
    *id = (uint32_t)v;
    return true;
}

static tok_text text_of(const char *s) { return (tok_text){s, strlen(s)}; }

static mlavk_status read_added(json_vocab *v, const cJSON *root, uint32_t *max_id)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!list || cJSON_IsNull(list))
        return MLAVK_OK;
    if (!cJSON_IsArray(list))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"added_tokens\" is not an array", v->name);
    int count = cJSON_GetArraySize(list);
    v->added = calloc(count ? (size_t)count : 1, sizeof *v->added);
    if (!v->added)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", v->name);
    const cJSON *item;
    uint32_t i = 0;
    cJSON_ArrayForEach(item, list) {
        tok_added_token *a = &v->added[i];
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(item, "content");
        if (!json_id(cJSON_GetObjectItemCaseSensitive(item, "id"), &a->id) || !cJSON_IsString(content))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: added token %u lacks a valid \"id\" or \"content\"", v->name, i);
        a->content = text_of(content->valuestring);
        a->special = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "special"));
        a->lstrip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "lstrip"));
        a->rstrip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "rstrip"));
        a->single_word = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "single_word"));
        if (a->id > *max_id)
            *max_id = a->id;
        i++;
    }
    v->desc.added = v->added;
    v->desc.added_count = i;
    return MLAVK_OK;
}

static mlavk_status read_vocab(json_vocab *v, const cJSON *vocab, uint32_t max_added_id)
{
    if (!cJSON_IsObject(vocab))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"model.vocab\" is missing or not an object", v->name);
    uint32_t count = v->desc.added_count ? max_added_id + 1 : 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, vocab) {
        uint32_t id;
        if (!json_id(item, &id))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: a vocabulary entry has no valid id (a number 0..%d)", v->name,
                              TOK_JSON_MAX_ID - 1);
        if (id + 1 > count)
            count = id + 1;
    }
    if (count == 0)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: the vocabulary is empty", v->name);
    v->tokens = calloc(count, sizeof *v->tokens);
    if (!v->tokens)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", v->name);
    cJSON_ArrayForEach(item, vocab) {
        uint32_t id = (uint32_t)item->valuedouble;
        if (v->tokens[id].bytes)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: vocabulary id %u is given to two tokens", v->name, id);
        v->tokens[id] = text_of(item->string);
    }
    v->desc.tokens = v->tokens;
    v->desc.token_count = count;
    return MLAVK_OK;
}

/* A merge is "left right" (older files) or ["left", "right"] (newer ones). */
static bool read_merge(const cJSON *item, tok_text *pair)
{
    if (cJSON_IsString(item)) {
        const char *s = item->valuestring, *space = strchr(s, ' ');
        if (!space || space == s || space[1] == '\0' || strchr(space + 1, ' '))
            return false;
        pair[0] = (tok_text){s, (size_t)(space - s)};
        pair[1] = text_of(space + 1);
        return true;
    }
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2)
        return false;
    const cJSON *left = cJSON_GetArrayItem(item, 0), *right = cJSON_GetArrayItem(item, 1);
    if (!cJSON_IsString(left) || !cJSON_IsString(right))
        return false;
    pair[0] = text_of(left->valuestring);
    pair[1] = text_of(right->valuestring);
    return true;
}

static mlavk_status read_merges(json_vocab *v, const cJSON *merges)
{
    if (!cJSON_IsArray(merges))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"model.merges\" is missing or not an array", v->name);
    int count = cJSON_GetArraySize(merges);
    v->merges = calloc(2 * (size_t)count + 1, sizeof *v->merges);
    if (!v->merges)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", v->name);
    const cJSON *item;
    uint32_t rank = 0;
    cJSON_ArrayForEach(item, merges) {
        if (!read_merge(item, &v->merges[2 * rank]))
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: merge %u is neither \"left right\" nor [\"left\", \"right\"]",
                              v->name, rank);
        rank++;
    }
    v->desc.merges = v->merges;
    v->desc.merge_count = rank;
    return MLAVK_OK;
}

static mlavk_status read_model(json_vocab *v, const cJSON *root)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsObject(model))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: no \"model\" section", v->name);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (type && !(cJSON_IsString(type) && strcmp(type->valuestring, "BPE") == 0))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: the model is not BPE (only byte-level BPE is supported)",
                          v->name);
    uint32_t max_added_id = 0;
    const cJSON *ignore_merges = cJSON_GetObjectItemCaseSensitive(model, "ignore_merges");
    v->desc.ignore_merges = cJSON_IsTrue(ignore_merges); /* Llama 3's: a word that is a token stays whole */
    MLAVK_TRY(read_added(v, root, &max_added_id));
    MLAVK_TRY(read_vocab(v, cJSON_GetObjectItemCaseSensitive(model, "vocab"), max_added_id));
    return read_merges(v, cJSON_GetObjectItemCaseSensitive(model, "merges"));
}

static const char *type_of(const cJSON *item)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "type");
    return cJSON_IsString(type) ? type->valuestring : NULL;
}

static mlavk_status read_split(json_vocab *v, const cJSON *split)
{
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(split, "pattern");
    const cJSON *regex = cJSON_GetObjectItemCaseSensitive(pattern, "Regex");
    const cJSON *behavior = cJSON_GetObjectItemCaseSensitive(split, "behavior");
    if (!cJSON_IsString(regex))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: a Split pre-tokenizer has no \"pattern.Regex\"", v->name);
    if (!cJSON_IsString(behavior) || strcmp(behavior->valuestring, "Isolated") != 0 ||
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(split, "invert")))
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: only Split pre-tokenizers with behavior \"Isolated\" are "
                          "supported", v->name);
    if (v->desc.split_count == TOK_MAX_SPLITS)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: more than %d Split pre-tokenizers", v->name, TOK_MAX_SPLITS);
    v->splits[v->desc.split_count++] = text_of(regex->valuestring);
    return MLAVK_OK;
}

/* The converter names a pre-tokenizer by what it does; Llama 3's and Qwen2's files hold one Split each, whose regexes
 * differ only in the digit runs (up to three digits, one digit). */
static const char *gguf_pre_of(const json_vocab *v)
{
#define LLAMA3_QWEN2_REGEX(digits)                                                                            \
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}" digits                             \
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
    static const struct {
        const char *regex, *pre;
    } known[] = {{LLAMA3_QWEN2_REGEX("{1,3}"), "llama-bpe"}, {LLAMA3_QWEN2_REGEX(""), "qwen2"}};
#undef LLAMA3_QWEN2_REGEX
    for (size_t i = 0; v->desc.split_count == 1 && i < sizeof known / sizeof known[0]; i++)
        if (v->splits[0].length == strlen(known[i].regex) && memcmp(v->splits[0].bytes, known[i].regex,
                                                                    v->splits[0].length) == 0)
            return known[i].pre;
    return NULL;
}

/* Accepts what DeepSeek's files hold: Split steps (Isolated) followed by ByteLevel without prefix space or
 * its own regex. */
static mlavk_status read_pre_tokenizer(json_vocab *v, const cJSON *root)
{
    const cJSON *pre = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    const char *type = type_of(pre);
    if (!type)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: no \"pre_tokenizer\" with a type (byte-level is required)",
                          v->name);
    const cJSON *steps = strcmp(type, "Sequence") == 0 ? cJSON_GetObjectItemCaseSensitive(pre, "pretokenizers") : NULL;
    if (strcmp(type, "Sequence") == 0 && !cJSON_IsArray(steps))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: pre_tokenizer Sequence has no \"pretokenizers\" array", v->name);
    bool byte_level = false;
    for (const cJSON *step = steps ? steps->child : pre; step; step = steps ? step->next : NULL) {
        const char *step_type = type_of(step);
        if (byte_level || !step_type)
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: pre-tokenizer steps after ByteLevel or without a type",
                              v->name);
        if (strcmp(step_type, "Split") == 0) {
            MLAVK_TRY(read_split(v, step));
        } else if (strcmp(step_type, "ByteLevel") == 0) {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "add_prefix_space")) ||
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "use_regex")))
                return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: ByteLevel with add_prefix_space or use_regex is not "
                                  "supported", v->name);
            byte_level = true;
        } else {
            return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: pre-tokenizer \"%.40s\" is not supported", v->name,
                              step_type);
        }
    }
    if (!byte_level)
        return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: the pre-tokenizer has no ByteLevel step", v->name);
    v->desc.split_regexes = v->splits;
    v->desc.gguf_pre = gguf_pre_of(v);
    return MLAVK_OK;
}

/* Decoding assumes the byte-level decoder; a file asking for another one would decode differently. */
static mlavk_status check_decoder(json_vocab *v, const cJSON *root)
{
    const cJSON *decoder = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    const char *type = type_of(decoder);
    if (!decoder || cJSON_IsNull(decoder) || (type && strcmp(type, "ByteLevel") == 0))
        return MLAVK_OK;
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: only the ByteLevel decoder is supported", v->name);
}

static mlavk_status check_normalizer(json_vocab *v, const cJSON *root)
{
    const cJSON *normalizer = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    if (!normalizer || cJSON_IsNull(normalizer))
        return MLAVK_OK;
    const char *type = type_of(normalizer);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(normalizer, "normalizers");
    if (type && strcmp(type, "NFC") == 0) {
        v->desc.nfc = true;
        return MLAVK_OK;
    }
    if (type && strcmp(type, "Sequence") == 0 && cJSON_IsArray(list) && cJSON_GetArraySize(list) == 0)
        return MLAVK_OK;
    return mlavk_fail(MLAVK_ERR_UNSUPPORTED, "%s: normalizers other than NFC are not supported", v->name);
}

/* bos_token / eos_token: a string or an AddedToken object; its id is that of the added token (or vocabulary
 * entry) with the same content. */
static mlavk_status config_token_id(json_vocab *v, const cJSON *config, const char *key, const char *config_name,
                                    int64_t *id)
{
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(config, key);
    if (cJSON_IsObject(token))
        token = cJSON_GetObjectItemCaseSensitive(token, "content");
    if (!token || cJSON_IsNull(token))
        return MLAVK_OK;
    if (!cJSON_IsString(token))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"%s\" is not a string or token object", config_name, key);
    const char *content = token->valuestring;
    for (uint32_t i = 0; i < v->desc.added_count; i++)
        if (strcmp(v->added[i].content.bytes, content) == 0) {
            *id = v->added[i].id;
            return MLAVK_OK;
        }
    for (uint32_t i = 0; i < v->desc.token_count; i++)
        if (v->tokens[i].bytes && strcmp(v->tokens[i].bytes, content) == 0) {
            *id = i;
            return MLAVK_OK;
        }
    return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"%s\" names a token that is not in the vocabulary", config_name, key);
}

/* chat_template: a string, or a list of {"name", "template"} of which the "default" one is the chat template. */
static mlavk_status config_chat_template(json_vocab *v, const cJSON *config, const char *config_name)
{
    const cJSON *chat = cJSON_GetObjectItemCaseSensitive(config, "chat_template");
    if (!chat || cJSON_IsNull(chat))
        return MLAVK_OK;
    if (cJSON_IsString(chat)) {
        v->chat_template = chat->valuestring;
        return MLAVK_OK;
    }
    const cJSON *item;
    if (cJSON_IsArray(chat)) {
        cJSON_ArrayForEach(item, chat) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
            const cJSON *text = cJSON_GetObjectItemCaseSensitive(item, "template");
            if (!cJSON_IsString(name) || !cJSON_IsString(text))
                break;
            if (strcmp(name->valuestring, "default") == 0)
                v->chat_template = text->valuestring;
        }
        if (!item)
            return MLAVK_OK;
    }
    return mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"chat_template\" is not a string or a list of {\"name\", \"template\"}",
                      config_name);
}

/* A TemplateProcessing post-processor (alone or in a Sequence) whose "single" template starts with a special token
 * adds that token as BOS (Llama 3's), read as llama.cpp's converter reads it (gguf-py SpecialVocab): the token is
 * BOS; tokenizer_config.json's add_bos_token, read after, overrides, and a bos_token other than that token turns it
 * off. */
static void read_post_processor(json_vocab *v, const cJSON *root)
{
    const cJSON *post = cJSON_GetObjectItemCaseSensitive(root, "post_processor");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(post, "processors");
    for (const cJSON *p = cJSON_IsArray(list) ? list->child : post; p; p = cJSON_IsArray(list) ? p->next : NULL) {
        const char *type = type_of(p);
        const cJSON *single = cJSON_GetObjectItemCaseSensitive(p, "single");
        if (!type || strcmp(type, "TemplateProcessing") != 0 || cJSON_GetArraySize(single) < 2)
            continue;
        const cJSON *first = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(single, 0), "SpecialToken");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(first, "id");
        for (uint32_t i = 0; cJSON_IsString(content) && i < v->desc.added_count; i++)
            if (strcmp(v->added[i].content.bytes, content->valuestring) == 0) {
                v->desc.bos_id = v->template_bos = v->added[i].id;
                v->desc.add_bos = true;
            }
    }
}

static mlavk_status read_config(json_vocab *v, const char *text, size_t length, const char *config_name)
{
    cJSON *config = cJSON_ParseWithLength(text, length);
    if (!cJSON_IsObject(config)) {
        cJSON_Delete(config);
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: not a JSON object", config_name);
    }
    v->config_root = config;
    mlavk_status status = config_token_id(v, config, "bos_token", config_name, &v->desc.bos_id);
    if (status == MLAVK_OK)
        status = config_token_id(v, config, "eos_token", config_name, &v->desc.eos_id);
    const cJSON *add_bos = cJSON_GetObjectItemCaseSensitive(config, "add_bos_token");
    if (status == MLAVK_OK && add_bos && !cJSON_IsBool(add_bos))
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: \"add_bos_token\" is not true or false", config_name);
    if (add_bos) /* it overrides what the post-processor says */
        v->desc.add_bos = cJSON_IsTrue(add_bos);
    else if (v->template_bos >= 0)
        v->desc.add_bos = v->desc.bos_id == v->template_bos;
    if (status == MLAVK_OK)
        status = config_chat_template(v, config, config_name);
    return status;
}

static mlavk_status read_tokenizer_json(json_vocab *v, const cJSON *root, const char *config, size_t config_length,
                                        const char *config_name)
{
    if (!cJSON_IsObject(root))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: not valid JSON or not a JSON object", v->name);
    MLAVK_TRY(check_normalizer(v, root));
    MLAVK_TRY(check_decoder(v, root));
    MLAVK_TRY(read_model(v, root));
    MLAVK_TRY(read_pre_tokenizer(v, root));
    read_post_processor(v, root);
    if (config)
        MLAVK_TRY(read_config(v, config, config_length, config_name ? config_name : "tokenizer_config.json"));
    return MLAVK_OK;
}

mlavk_status tok_load_json_text(const char *json, size_t json_length, const char *json_name, const char *config,
                                size_t config_length, const char *config_name, mlavk_tokenizer **tokenizer)
{
    *tokenizer = NULL;
    json_vocab v = {.name = json_name ? json_name : "tokenizer.json"};
    v.desc.source = v.name;
    v.desc.bos_id = v.desc.eos_id = v.template_bos = -1;
    cJSON *root = cJSON_ParseWithLength(json, json_length);
    mlavk_status status = read_tokenizer_json(&v, root, config, config_length, config_name);
    if (status == MLAVK_OK)
        status = tok_build(&v.desc, tokenizer);
    if (status == MLAVK_OK && v.chat_template) {
        status = tok_set_chat_template(*tokenizer, v.chat_template, strlen(v.chat_template),
                                       config_name ? config_name : "tokenizer_config.json");
        if (status != MLAVK_OK) {
            mlavk_tokenizer_free(*tokenizer);
            *tokenizer = NULL;
        }
    }
    cJSON_Delete(v.config_root);
    cJSON_Delete(root);
    free(v.tokens);
    free(v.merges);
    free(v.added);
    return status;
}

static mlavk_status read_whole_file(const char *path, char **data, size_t *length)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    size_t capacity = 1 << 16, used = 0;
    char *buffer = malloc(capacity);
    while (buffer) {
        used += fread(buffer + used, 1, capacity - used, f);
        if (used < capacity || capacity >= TOK_JSON_MAX_BYTES)
            break;
        char *grown = realloc(buffer, 2 * capacity);
        if (!grown) {
            free(buffer);
            buffer = NULL;
            break;
        }
        buffer = grown;
        capacity *= 2;
    }
    if (!buffer) {
        fclose(f);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory reading the file", path);
    }
    bool failed = ferror(f) || used == capacity;
    fclose(f);
    if (failed) {
        free(buffer);
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot read (read error or larger than 2 GiB)", path);
    }
    *data = buffer;
    *length = used;
    return MLAVK_OK;
}

/* The file `name` in the directory of `path`, or NULL when there is none. */
static char *sibling_path(const char *path, const char *name)
{
    const char *slash = strrchr(path, '/');
    size_t dir_length = slash ? (size_t)(slash - path + 1) : 0;
    char *sibling = malloc(dir_length + strlen(name) + 1);
    if (!sibling)
        return NULL;
    memcpy(sibling, path, dir_length);
    strcpy(sibling + dir_length, name);
    FILE *f = fopen(sibling, "rb");
    if (!f) {
        free(sibling);
        return NULL;
    }
    fclose(f);
    return sibling;
}

/* chat_template.jinja beside tokenizer_config.json (as transformers saves it) replaces the config's template. */
static mlavk_status read_chat_template_file(mlavk_tokenizer *tokenizer, const char *beside)
{
    char *path = sibling_path(beside, "chat_template.jinja");
    if (!path)
        return MLAVK_OK;
    char *text = NULL;
    size_t length = 0;
    mlavk_status status = read_whole_file(path, &text, &length);
    if (status == MLAVK_OK)
        status = tok_set_chat_template(tokenizer, text, length, path);
    free(text);
    free(path);
    return status;
}

mlavk_status mlavk_tokenizer_load_json(const char *tokenizer_json, const char *tokenizer_config_json,
                                       mlavk_tokenizer **tokenizer)
{
    *tokenizer = NULL;
    if (!tokenizer_json)
        return mlavk_fail(MLAVK_ERR_INVALID_ARGUMENT, "mlavk_tokenizer_load_json: no tokenizer.json path");
    char *config_path = tokenizer_config_json ? strdup(tokenizer_config_json)
                                              : sibling_path(tokenizer_json, "tokenizer_config.json");
    char *json = NULL, *config = NULL;
    size_t json_length = 0, config_length = 0;
    mlavk_status status = read_whole_file(tokenizer_json, &json, &json_length);
    if (status == MLAVK_OK && config_path)
        status = read_whole_file(config_path, &config, &config_length);
    if (status == MLAVK_OK)
        status = tok_load_json_text(json, json_length, tokenizer_json, config, config_length, config_path, tokenizer);
    if (status == MLAVK_OK)
        status = read_chat_template_file(*tokenizer, config_path ? config_path : tokenizer_json);
    if (status != MLAVK_OK) {
        mlavk_tokenizer_free(*tokenizer);
        *tokenizer = NULL;
    }
    free(json);
    free(config);
    free(config_path);
    return status;
}
