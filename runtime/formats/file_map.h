/* Read-only mapping of a whole file, shared by the GGUF and safetensors readers. */
#ifndef MLAVK_FORMATS_FILE_MAP_H
#define MLAVK_FORMATS_FILE_MAP_H

#include <stddef.h>

#include "mlavk.h"

typedef struct file_map {
    void *data;   /* NULL for an empty file, which is mapped as nothing */
    size_t size;
} file_map;

/* Fails with "<path>: <reason>" when the path cannot be opened, is not a regular file, or cannot be mapped. */
mlavk_status file_map_open(const char *path, file_map *out);
void file_map_close(file_map *map);

/* Reads a whole small file (config.json, index files) into a NUL-terminated heap buffer of at most max_bytes. */
mlavk_status file_read_text(const char *path, size_t max_bytes, char **out, size_t *size);

#endif
