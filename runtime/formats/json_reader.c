#include "formats/json_reader.h"

#include <math.h>

#include "util/status.h"

mlavk_status json_u32(const json_reader *j, const char *key, bool required, uint32_t fallback, uint32_t *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j->root, key);
    *out = fallback;
    if (!item || cJSON_IsNull(item)) {
        if (required)
            return mlavk_fail(MLAVK_ERR_FORMAT, "%s: missing required key '%s'", j->name, key);
        return MLAVK_OK;
    }
    double v = item->valuedouble;
    if (!cJSON_IsNumber(item) || !(v >= 0.0) || v > 4294967295.0 || floor(v) != v)
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: '%s' is not a non-negative 32-bit integer", j->name, key);
    *out = (uint32_t)v;
    return MLAVK_OK;
}

mlavk_status json_f32(const json_reader *j, const char *key, float fallback, float *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j->root, key);
    *out = fallback;
    if (!item || cJSON_IsNull(item))
        return MLAVK_OK;
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: '%s' is not a number", j->name, key);
    *out = (float)item->valuedouble;
    return MLAVK_OK;
}

mlavk_status json_bool(const json_reader *j, const char *key, bool fallback, bool *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j->root, key);
    *out = fallback;
    if (!item || cJSON_IsNull(item))
        return MLAVK_OK;
    if (!cJSON_IsBool(item))
        return mlavk_fail(MLAVK_ERR_FORMAT, "%s: '%s' is not a boolean", j->name, key);
    *out = cJSON_IsTrue(item);
    return MLAVK_OK;
}

const char *json_string(const json_reader *j, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(j->root, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}
