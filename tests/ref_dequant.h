/* CPU reference for the GGUF weight types, written from the block definitions in double precision and sharing no
 * code with the shaders; plus random valid blocks to test with. */
#ifndef MLAVK_REF_DEQUANT_H
#define MLAVK_REF_DEQUANT_H

#include <stddef.h>
#include <stdint.h>

#include "formats/ggml_type.h"
#include "test_util.h"

/* Bytes of one row of cols values (cols a multiple of the block size). */
size_t ref_row_bytes(ggml_type type, uint32_t cols);

/* Decodes one row of cols values. */
void ref_dequant_row(ggml_type type, const uint8_t *row, uint32_t cols, double *out);

/* Fills rows x cols of random valid blocks: f16 scales in a sane range, random quant bytes; plain types get
 * values in [-1, 1). */
void ref_random_weights(test_rng *rng, ggml_type type, uint32_t rows, uint32_t cols, uint8_t *out);

double ref_f16(uint16_t bits);

#endif
