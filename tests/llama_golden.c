#include "llama_golden.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

const cJSON *llama_golden_entry(const cJSON *list, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(e, "name"));
        if (n && strcmp(n, name) == 0)
            return e;
    }
    return NULL;
}

char *llama_golden_logits(const char *manifest_path, const cJSON *root, size_t *size)
{
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s", manifest_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    const char *name = root ? cJSON_GetStringValue(cJSON_GetObjectItem(root, "logits")) : NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name ? name : "");
    char *blob = name ? test_read_file(path, size) : NULL;
    CHECK_MSG(blob, "%s: cannot read the golden logits", path);
    return blob;
}

void llama_golden_check_sha256(const cJSON *entry, const char *path, const char *hint)
{
    size_t size;
    unsigned char *bytes = test_read_file(path, &size);
    CHECK_MSG(bytes, "%s: cannot read the file", path);
    if (!bytes)
        return;
    char hex[65];
    test_sha256_hex(bytes, size, hex);
    free(bytes);
    const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(entry, "sha256"));
    CHECK_MSG(want && strcmp(hex, want) == 0, "%s: sha256 %s is not the golden file's %s%s", path, hex,
              want ? want : "(none)", hint);
}
