/* The safetensors files of a Hugging Face model directory: the shards model.safetensors.index.json lists, or
 * else every *.safetensors file in it. Shared by the DeepSeek and GQA checkpoint readers. */
#ifndef MLAVK_FORMATS_ST_SHARDS_H
#define MLAVK_FORMATS_ST_SHARDS_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/safetensors.h"
#include "mlavk.h"

typedef struct st_shards {
    uint32_t count;
    st_file **files;
    uint64_t bytes; /* every shard's size */
} st_shards;

/* dir without a trailing slash. On failure the shards opened so far stay in *out for st_shards_close. */
mlavk_status st_shards_open(const char *dir, st_shards *out);
void st_shards_close(st_shards *shards);

/* The tensor of that name in any shard (and its file), or NULL. */
const st_tensor *st_shards_find(const st_shards *shards, const char *name, const st_file **file);

/* dir/file in a new heap string; NULL when out of memory. */
char *path_join(const char *dir, const char *file);
bool path_is_file(const char *path);

#endif
