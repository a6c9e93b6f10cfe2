/* CPU reference for the GGUF weight types, written from the block definitions in double precision and sharing no
 * code with the shaders or the runtime's decoders; plus random valid blocks to test with. The per-type decoders are
 * in ref_dequant_<family>.c (ref_dequant_blocks.h); the list of types is formats/weight_types.h. */
#ifndef MLAVK_REF_DEQUANT_H
#define MLAVK_REF_DEQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "formats/ggml_type.h"
#include "test_util.h"

/* Every weight type the kernels read, in the order of formats/weight_types.h. */
extern const ggml_type ref_weight_types[];
extern const size_t ref_weight_type_count;

/* Bytes of one row of cols values; 0 unless cols is a multiple of the block size of a weight type. */
size_t ref_row_bytes(ggml_type type, uint32_t cols);

/* Decodes one row of cols values. */
void ref_dequant_row(ggml_type type, const uint8_t *row, uint32_t cols, double *out);

/* Fills rows x cols of random valid blocks: f16 scales in a sane range, random quant bytes; plain types get
 * values in [-1, 1). */
void ref_random_weights(test_rng *rng, ggml_type type, uint32_t rows, uint32_t cols, uint8_t *out);

double ref_f16(uint16_t bits);

#endif
