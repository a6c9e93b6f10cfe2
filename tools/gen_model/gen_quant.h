/* Row encoders for the GGUF tensor types the generator writes, their decoders, and FP8 E4M3. */
#ifndef MLAVK_GEN_QUANT_H
#define MLAVK_GEN_QUANT_H

#include "formats/ggml_type.h"

#include <stdbool.h>
#include <stdint.h>

/* True when the generator can encode type t (f32, f16, bf16, q8_0, q4_0, q4_K, q5_K, q6_K). */
bool gen_quant_supported(ggml_type t);
/* Bytes of a row of n elements; n must be a multiple of the block size. */
uint64_t gen_row_bytes(ggml_type t, uint64_t n);
/* Encodes n floats (a multiple of the block size) as type t. */
void gen_quantize_row(ggml_type t, const float *x, uint64_t n, uint8_t *out);
/* Decodes n elements of type t (the self-check and the tests). */
void gen_dequantize_row(ggml_type t, const uint8_t *in, uint64_t n, float *y);
/* Relative RMS error a type's round trip must stay under on the generator's uniform weights. */
double gen_quant_tolerance(ggml_type t);

/* FP8 E4M3 ("e4m3fn": bias 7, no infinities, max 448), round to nearest even, saturating. */
uint8_t gen_f32_to_fp8(float f);
float gen_fp8_to_f32(uint8_t b);

#endif
