/* GGUF v3 writer: metadata and tensors gathered in memory, then written to a temporary file beside the target and
 * renamed over it, so a failure at any point leaves no partial file. Little-endian hosts only (as the reader). */
#ifndef MLAVK_FORMATS_GGUF_OUT_H
#define MLAVK_FORMATS_GGUF_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/gguf.h"
#include "mlavk.h"

typedef struct gguf_out gguf_out;

mlavk_status gguf_out_create(gguf_out **out);
void gguf_out_free(gguf_out *w);

mlavk_status gguf_out_u32(gguf_out *w, const char *key, uint32_t value);
mlavk_status gguf_out_f32(gguf_out *w, const char *key, float value);
mlavk_status gguf_out_string(gguf_out *w, const char *key, const char *value);
/* Copies a key and value read from another file (any type, arrays of strings and nested arrays too). */
mlavk_status gguf_out_copy(gguf_out *w, const gguf_kv *kv);

/* Appends a tensor; dims in ggml order (innermost first); the data is copied. */
mlavk_status gguf_out_tensor(gguf_out *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                                const uint64_t *dims, const void *data, size_t n_bytes);

/* The same without a copy: data must stay valid and unchanged until gguf_out_save (a model's own weights written
 * as they are, so the output does not hold a second copy of them). */
mlavk_status gguf_out_tensor_borrowed(gguf_out *w, const char *name, uint32_t ggml_type, uint32_t n_dims,
                                      const uint64_t *dims, const void *data, size_t n_bytes);

/* Writes path (through path + ".tmp", renamed at the end; removed on failure). */
mlavk_status gguf_out_save(gguf_out *w, const char *path);

#endif
