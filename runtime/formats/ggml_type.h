/* Tensor element types with the numbering and block layouts of GGUF files. */
#ifndef MLAVK_FORMATS_GGML_TYPE_H
#define MLAVK_FORMATS_GGML_TYPE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ggml_type {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6,
    GGML_TYPE_Q5_1 = 7,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10,
    GGML_TYPE_Q3_K = 11,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_Q8_K = 15,
    GGML_TYPE_IQ2_XXS = 16,
    GGML_TYPE_IQ2_XS = 17,
    GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S = 19,
    GGML_TYPE_IQ4_NL = 20,
    GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22,
    GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_I8 = 24,
    GGML_TYPE_I16 = 25,
    GGML_TYPE_I32 = 26,
    GGML_TYPE_I64 = 27,
    GGML_TYPE_F64 = 28,
    GGML_TYPE_IQ1_M = 29,
    GGML_TYPE_BF16 = 30,
    GGML_TYPE_TQ1_0 = 34,
    GGML_TYPE_TQ2_0 = 35,
    GGML_TYPE_MXFP4 = 39,
    GGML_TYPE_NVFP4 = 40,
    GGML_TYPE_Q1_0 = 41,
    GGML_TYPE_Q2_0 = 42,
    GGML_TYPE_COUNT = 48 /* upper bound of the id space we index tables by */
} ggml_type;

typedef struct ggml_type_traits {
    const char *name;      /* "q4_K", NULL for ids this runtime does not know */
    uint32_t block_elems;  /* elements per block (1 for plain types) */
    uint32_t block_bytes;  /* bytes per block */
} ggml_type_traits;

/* Traits of a type id read from a file; NULL when the id is unknown. */
const ggml_type_traits *ggml_type_get(uint32_t type_id);

/* True when the GPU kernels read the type directly (it is in weight_types.h). */
bool ggml_type_runnable(uint32_t type_id);

/* The llama-quantize preset a GGUF's general.file_type names ("Q4_K_M", "IQ2_XXS", "F16", ...); NULL if unknown. */
const char *ggml_file_type_name(uint32_t file_type);

#endif
