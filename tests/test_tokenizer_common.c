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
