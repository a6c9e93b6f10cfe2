#include "test_tokenizer_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

cJSON *golden_load(const char *path)
{
    size_t size;
    char *text = test_read_file(path, &size);
    if (!text)
        return NULL;
    cJSON *golden = cJSON_ParseWithLength(text, size);
    free(text);
    return golden;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *golden_entry_bytes(const cJSON *entry, size_t *length)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(entry, "text");
    const cJSON *hex = cJSON_GetObjectItemCaseSensitive(entry, "hex");
    if (cJSON_IsString(text)) {
        *length = strlen(text->valuestring);
        char *copy = malloc(*length + 1);
        if (copy)
            memcpy(copy, text->valuestring, *length + 1);
        return copy;
    }
    if (!cJSON_IsString(hex) || strlen(hex->valuestring) % 2)
        return NULL;
    *length = strlen(hex->valuestring) / 2;
    char *bytes = malloc(*length + 1);
    for (size_t i = 0; bytes && i < *length; i++) {
        int high = hex_digit(hex->valuestring[2 * i]), low = hex_digit(hex->valuestring[2 * i + 1]);
        if (high < 0 || low < 0) {
            free(bytes);
            return NULL;
        }
        bytes[i] = (char)(high * 16 + low);
    }
    return bytes;
}

void golden_compare_ids(const cJSON *want, const int32_t *ids, size_t count, const char *what, int index)
{
    size_t want_count = (size_t)cJSON_GetArraySize(want);
    size_t i = 0;
    while (i < count && i < want_count && cJSON_GetArrayItem(want, (int)i)->valueint == ids[i])
        i++;
    if (i == count && i == want_count)
        return;
    int want_id = i < want_count ? cJSON_GetArrayItem(want, (int)i)->valueint : -1;
    test_fail(__FILE__, __LINE__, "%s %d: %zu ids, want %zu; first difference at %zu: %d, want %d", what, index,
              count, want_count, i, i < count ? ids[i] : -1, want_id);
}

bool golden_open(int argc, char **argv, mlavk_tokenizer **tokenizer, cJSON **golden)
{
    *tokenizer = NULL;
    *golden = NULL;
    CHECK_MSG(argc == 3, "usage: %s tokenizer.json tokenizer_golden.json", argv[0]);
    if (argc != 3)
        return false;
    mlavk_status status = mlavk_tokenizer_load_json(argv[1], NULL, tokenizer);
    CHECK_MSG(status == MLAVK_OK, "load: %s", mlavk_last_error());
    if (status != MLAVK_OK)
        *tokenizer = NULL;
    *golden = golden_load(argv[2]);
    CHECK_MSG(*golden != NULL, "cannot read %s", argv[2]);
    return *tokenizer && *golden;
}

void golden_close(mlavk_tokenizer *tokenizer, cJSON *golden)
{
    cJSON_Delete(golden);
    mlavk_tokenizer_free(tokenizer);
}

bool golden_gguf_arrays_fill(const cJSON *root, golden_gguf_arrays *a)
{
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    size_t count = 0, merge_count = (size_t)cJSON_GetArraySize(merges);
    const cJSON *item;
    cJSON_ArrayForEach(item, added) if ((size_t)cJSON_GetObjectItemCaseSensitive(item, "id")->valueint + 1 > count)
        count = (size_t)cJSON_GetObjectItemCaseSensitive(item, "id")->valueint + 1;
    a->tokens = calloc(count, sizeof *a->tokens);
    a->token_lengths = calloc(count, sizeof *a->token_lengths);
    a->types = calloc(count, sizeof *a->types);
    a->merges = calloc(merge_count, sizeof *a->merges);
    a->merge_lengths = calloc(merge_count, sizeof *a->merge_lengths);
    a->joined = calloc(merge_count, sizeof *a->joined);
    if (!a->tokens || !a->token_lengths || !a->types || !a->merges || !a->merge_lengths || !a->joined)
        return false;
    cJSON_ArrayForEach(item, vocab) {
        a->tokens[item->valueint] = item->string;
        a->types[item->valueint] = TOK_TYPE_NORMAL;
    }
    cJSON_ArrayForEach(item, added) {
        int id = cJSON_GetObjectItemCaseSensitive(item, "id")->valueint;
        a->tokens[id] = cJSON_GetObjectItemCaseSensitive(item, "content")->valuestring;
        a->types[id] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "special")) ? TOK_TYPE_CONTROL
                                                                                       : TOK_TYPE_USER_DEFINED;
    }
    for (size_t id = 0; id < count; id++)
        a->token_lengths[id] = a->tokens[id] ? strlen(a->tokens[id]) : 0;
    size_t rank = 0;
    cJSON_ArrayForEach(item, merges) {
        if (cJSON_IsArray(item)) { /* the newer ["left", "right"] form, joined as GGUF writes it */
            const char *left = cJSON_GetArrayItem(item, 0)->valuestring, *right = cJSON_GetArrayItem(item, 1)->valuestring;
            size_t n = strlen(left) + strlen(right) + 2;
            if (!(a->joined[rank] = malloc(n)))
                return false;
            snprintf(a->joined[rank], n, "%s %s", left, right);
        }
        a->merges[rank] = a->joined[rank] ? a->joined[rank] : item->valuestring;
        a->merge_lengths[rank] = strlen(a->merges[rank]);
        rank++;
    }
    a->vocab = (tok_gguf_vocab){.source = "test.gguf", .model = "gpt2", .pre = "deepseek-v3", .token_count = count,
                                .tokens = a->tokens, .token_lengths = a->token_lengths, .token_types = a->types,
                                .merge_count = merge_count, .merges = a->merges, .merge_lengths = a->merge_lengths,
                                .bos_id = 0, .eos_id = 1, .add_bos = -1};
    return true;
}

void golden_gguf_arrays_free(golden_gguf_arrays *a)
{
    free(a->tokens);
    free(a->token_lengths);
    free(a->types);
    free(a->merges);
    free(a->merge_lengths);
    for (size_t i = 0; a->joined && i < a->vocab.merge_count; i++)
        free(a->joined[i]);
    free(a->joined);
    memset(a, 0, sizeof *a);
}
