/* Test-side writer of small GQA models (llama.cpp `llama` / `qwen2` GGUF files, HF LlamaForCausalLM /
 * Qwen2ForCausalLM directories) shaped as llama.cpp's converter and HF write them: Q/K rows of `llama` GGUFs
 * permuted into adjacent RoPE pairs (the converter's LlamaModel.permute), qwen2's left in HF order. Written
 * independently of runtime/formats. */
#ifndef MLAVK_TEST_MODEL_WRITER_GQA_H
#define MLAVK_TEST_MODEL_WRITER_GQA_H

#include <stdbool.h>
#include <stdint.h>

typedef struct gqa_tiny {
    bool qwen2;               /* qwen2 (q/k/v biases, no Q/K permutation) instead of llama */
    uint32_t D, L, H, H_kv, d, F, vocab, ctx;
    bool tied;                /* no output.weight / lm_head */
    bool llama3_rope;         /* Llama 3.1 rope scaling: HF rope_scaling, GGUF rope_freqs.weight */
    uint32_t weight_type;     /* GGUF type of the matrices: 0 F32, 1 F16, 8 Q8_0, 30 BF16 */
    const char *hf_dtype;     /* HF dtype of every tensor: "F32", "F16", "BF16" */
    bool sharded;             /* HF: two shards and model.safetensors.index.json */
    /* Bad inputs, one at a time. */
    const char *arch;         /* GGUF general.architecture / HF architectures[0] instead of the right one */
    const char *omit_tensor;  /* GGUF name of a tensor left out */
    const char *misshape;     /* GGUF name of a tensor written with one row too many */
    const char *extra_tensor; /* GGUF name of an extra [D] F32 tensor */
    const char *extra_key;    /* GGUF: an extra u32 key, value 1 */
    const char *rope_scaling; /* GGUF rope.scaling.type / HF rope_scaling rope_type */
    uint32_t rope_dim;        /* GGUF rope.dimension_count when not 0 / HF partial_rotary_factor rope_dim / d */
    uint64_t seed;
} gqa_tiny;

void gqa_tiny_default(gqa_tiny *m, bool qwen2);

/* The value of element (row, col) of a tensor in HF layout (GGUF names; vectors have row 0). Every value is
 * q * s with q in [-15, 15] and s = 2^-e (1 + m/8) constant over each block of 32 columns, so F16, BF16 and Q8_0
 * (scale s, quant q) hold it exactly. */
float gqa_tiny_value(const gqa_tiny *m, const char *name, uint64_t row, uint64_t col);
/* Llama 3.1's rope frequency factors (factor 8, low 1, high 4, original context 8192), computed as llama.cpp's
 * converter computes them, for the head dimension d and base 500000. */
void gqa_tiny_llama3_factors(const gqa_tiny *m, float *out);
float gqa_tiny_rope_base(const gqa_tiny *m);

bool gqa_tiny_write_gguf(const gqa_tiny *m, const char *path);
/* config.json, safetensors, tokenizer.json ("{\"tokenizer\": 1}") and tokenizer_config.json ("{}"). */
bool gqa_tiny_write_hf(const gqa_tiny *m, const char *dir);

#endif
