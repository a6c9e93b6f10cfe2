#include "formats/st_shards.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "formats/file_map.h"
#include "util/status.h"

#define MAX_INDEX_BYTES (64u << 20)

char *path_join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/%s", dir, file);
    return path;
}

bool path_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Shard names come from an untrusted index: plain file names only, so nothing outside the directory is read. */
static bool plain_shard_name(const char *name)
{
    size_t n = strlen(name);
    const char *suffix = ".safetensors";
    return n > strlen(suffix) && name[0] != '.' && !strchr(name, '/') && !strchr(name, '\\') &&
           strcmp(name + n - strlen(suffix), suffix) == 0;
}

static mlavk_status open_shard(st_shards *s, const char *dir, const char *file)
{
    for (uint32_t i = 0; i < s->count; i++) {
        const char *open_name = strrchr(st_name(s->files[i]), '/') + 1;
        if (strcmp(open_name, file) == 0)
            return MLAVK_OK;
    }
    st_file **files = realloc(s->files, (s->count + 1) * sizeof *files);
    char *path = path_join(dir, file);
    if (files)
        s->files = files;
    if (!files || !path) {
        free(path);
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    }
    mlavk_status status = st_open(path, &s->files[s->count]);
    free(path);
    if (status == MLAVK_OK)
        s->bytes += st_file_size(s->files[s->count++]);
    return status;
}

static mlavk_status open_indexed(st_shards *s, const char *dir, const char *index_path)
{
    char *text;
    size_t size;
    MLAVK_TRY(file_read_text(index_path, MAX_INDEX_BYTES, &text, &size));
    const char *error_at = text;
    cJSON *root = cJSON_ParseWithLengthOpts(text, size, &error_at, 0);
    mlavk_status status = MLAVK_OK;
    if (!root)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: invalid JSON near byte %td", index_path, error_at - text);
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (status == MLAVK_OK && !cJSON_IsObject(map))
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: no 'weight_map' object", index_path);
    const cJSON *entry;
    if (status == MLAVK_OK)
        cJSON_ArrayForEach(entry, map) {
            if (!cJSON_IsString(entry) || !plain_shard_name(entry->valuestring)) {
                status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: weight_map entry is not a .safetensors file name in the "
                                    "model directory", index_path);
                break;
            }
            if ((status = open_shard(s, dir, entry->valuestring)) != MLAVK_OK)
                break;
        }
    cJSON_Delete(root);
    free(text);
    return status;
}

static mlavk_status open_listed(st_shards *s, const char *dir)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, NULL, alphasort);
    if (n < 0)
        return mlavk_fail(MLAVK_ERR_IO, "%s: cannot list the directory", dir);
    mlavk_status status = MLAVK_OK;
    for (int i = 0; i < n; i++) {
        if (status == MLAVK_OK && plain_shard_name(entries[i]->d_name))
            status = open_shard(s, dir, entries[i]->d_name);
        free(entries[i]);
    }
    free(entries);
    if (status == MLAVK_OK && s->count == 0)
        status = mlavk_fail(MLAVK_ERR_FORMAT, "%s: no .safetensors files in the model directory", dir);
    return status;
}

mlavk_status st_shards_open(const char *dir, st_shards *out)
{
    memset(out, 0, sizeof *out);
    char *index = path_join(dir, "model.safetensors.index.json");
    if (!index)
        return mlavk_fail(MLAVK_ERR_OUT_OF_HOST_MEMORY, "%s: out of memory", dir);
    mlavk_status status = path_is_file(index) ? open_indexed(out, dir, index) : open_listed(out, dir);
    free(index);
    return status;
}

void st_shards_close(st_shards *s)
{
    for (uint32_t i = 0; i < s->count; i++)
        st_close(s->files[i]);
    free(s->files);
    memset(s, 0, sizeof *s);
}

const st_tensor *st_shards_find(const st_shards *s, const char *name, const st_file **file)
{
    for (uint32_t i = 0; i < s->count; i++) {
        const st_tensor *t = st_find(s->files[i], name);
        if (t) {
            *file = s->files[i];
            return t;
        }
    }
    return NULL;
}
