/* Where each tensor of a model comes from, the same for GGUF files and HF checkpoints: a canonical GGUF name,
 * its ggml type and dims, and the pieces of host memory that, concatenated (and for FP8 dequantized), give its
 * bytes. HF per-expert tensors become one source with a piece per expert. */
#ifndef MLAVK_FORMATS_TENSOR_SOURCE_H
#define MLAVK_FORMATS_TENSOR_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/deepseek_config.h"
#include "formats/gguf.h"
#include "mlavk.h"

typedef enum tensor_piece_kind {
    TENSOR_PIECE_RAW,        /* bytes copied as they are */
    TENSOR_PIECE_FP8_BLOCKS, /* rows x cols FP8 E4M3 with float32 scales per 128x128 block, read as BF16 */
} tensor_piece_kind;

typedef struct tensor_piece {
    tensor_piece_kind kind;
    const void *data;
    uint64_t n_bytes;        /* bytes of data (source encoding) */
    const void *scales;      /* FP8: float32 ceil(rows/128) x ceil(cols/128), row-major; may be unaligned */
    uint64_t rows, cols;     /* FP8 */
} tensor_piece;

typedef struct tensor_source {
    char name[64];           /* canonical GGUF name */
    uint32_t type;           /* ggml_type of the bytes tensor_source_read() produces */
    uint32_t n_dims;
    uint64_t dims[4];        /* ggml order, innermost first; 1 beyond n_dims */
    uint64_t n_elements;
    uint64_t n_bytes;        /* bytes tensor_source_read() produces */
    uint32_t n_pieces;
    tensor_piece *pieces;    /* owned */
    const char *origin;      /* HF: the (first) checkpoint tensor it comes from, for messages; GGUF: NULL */
    bool from_fp8;
} tensor_source;

typedef struct tensor_source_set tensor_source_set;

mlavk_status tensor_sources_create(const char *name, tensor_source_set **out);
void tensor_sources_free(tensor_source_set *set);

/* Copies src; its pieces array is taken over, also on failure. */
mlavk_status tensor_sources_add(tensor_source_set *set, const tensor_source *src);
/* Sorts for lookup and refuses duplicate names; call once after the last add. */
mlavk_status tensor_sources_seal(tensor_source_set *set);

uint32_t tensor_sources_count(const tensor_source_set *set);
const tensor_source *tensor_sources_at(const tensor_source_set *set, uint32_t index);
const tensor_source *tensor_sources_find(const tensor_source_set *set, const char *name); /* NULL when absent */

/* One source per GGUF tensor, each a single piece inside the mapping. */
mlavk_status tensor_sources_from_gguf(const gguf_file *gguf, tensor_source_set **out);

/* Writes the tensor's n_bytes into dst (dst_size must be at least n_bytes). */
mlavk_status tensor_source_read(const tensor_source *src, void *dst, uint64_t dst_size);

/* Every tensor of the manifest is present with exactly its dims (optional ones only checked when present); the
 * attn_kv_b form is read from which tensors blk.0 has. name stands for the model in messages. */
mlavk_status tensor_sources_check_manifest(const tensor_source_set *set, const deepseek_config *config,
                                           const char *name, deepseek_kv_b_form *form);

/* Refuses the first tensor whose type the GPU kernels cannot read, naming it and the type. */
mlavk_status tensor_sources_check_runnable(const tensor_source_set *set, const char *name);

/* FP8 E4M3 (bias 7, no infinities, S.1111.111 is NaN) to float. */
float fp8_e4m3_to_f32(uint8_t bits);

#endif
