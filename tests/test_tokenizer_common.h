/* Shared by the tokenizer tests: reading tests/data/tokenizer_golden.json. */
#ifndef MLAVK_TEST_TOKENIZER_COMMON_H
#define MLAVK_TEST_TOKENIZER_COMMON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "mlavk.h"

/* The parsed golden file, or NULL. */
cJSON *golden_load(const char *path);

/* The bytes of a corpus entry: its "text", or its "hex" decoded (invalid UTF-8). malloc'ed; NULL if neither. */
char *golden_entry_bytes(const cJSON *entry, size_t *length);

/* Records a test failure (naming what and index) unless ids equal the JSON array want. */
void golden_compare_ids(const cJSON *want, const int32_t *ids, size_t count, const char *what, int index);

#endif
