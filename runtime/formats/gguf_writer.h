/* GGUF v3 writer: metadata and tensors gathered in memory, then written to a temporary file beside the target and
 * renamed over it, so a failure at any point leaves no partial file. Little-endian hosts only (as the reader). */
#ifndef MLAVK_FORMATS_GGUF_WRITER_H
#define MLAVK_FORMATS_GGUF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/gguf.h"
#include "mlavk.h"

typedef struct gguf_writer gguf_writer;

mlavk_status gguf_writer_create(gguf_writer **out);
void gguf_writer_free(gguf_writer *w);

mlavk_status gguf_writer_u32(gguf_writer *w, const char *key, uint32_t value);
mlavk_status gguf_writer_f32(gguf_writer *w, const char *key, float value);
mlavk_status gguf_writer_string(gguf_writer *w, const char *key, const char *value);
/* Copies a key and value read from another file (any type, arrays of strings and nested arrays too). */
mlavk_status gguf_writer_copy(gguf_writer *w, const gguf_kv *kv);

/* Appends a tensor; dims in ggml order (innermost first); the data is copied. */
mlavk_status gguf_writer_tensor(gguf_writer *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                                const uint64_t *dims, const void *data, size_t n_bytes);

/* Writes path (through path + ".tmp", renamed at the end; removed on failure). */
mlavk_status gguf_writer_save(gguf_writer *w, const char *path);

#endif
