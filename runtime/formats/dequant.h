/* Host decoding of the weight types the GPU runs, for load-time transforms (the legacy attn_kv_b split). */
#ifndef MLAVK_FORMATS_DEQUANT_H
#define MLAVK_FORMATS_DEQUANT_H

#include <stdint.h>

#include "mlavk.h"

/* Decodes n elements (a whole number of blocks) of a GGUF type; name for messages. */
mlavk_status dequantize_to_f32(uint32_t type, const void *src, float *dst, uint64_t n, const char *name);

#endif
