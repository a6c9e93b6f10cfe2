/* Typed reads of a config.json object's members, shared by the DeepSeek and GQA config readers. */
#ifndef MLAVK_FORMATS_JSON_READER_H
#define MLAVK_FORMATS_JSON_READER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "mlavk.h"

typedef struct json_reader {
    const cJSON *root;
    const char *name;
} json_reader;

/* Each: an absent or null member gives the fallback (json_u32 with required: an error); one of another type is
 * an error naming the file and the key. Integers arrive as doubles: fractions, negatives and values past 32 bits
 * are refused. */
mlavk_status json_u32(const json_reader *j, const char *key, bool required, uint32_t fallback, uint32_t *out);
mlavk_status json_f32(const json_reader *j, const char *key, float fallback, float *out);
mlavk_status json_bool(const json_reader *j, const char *key, bool fallback, bool *out);
/* The string member, or NULL when absent or not a string. */
const char *json_string(const json_reader *j, const char *key);

#endif
