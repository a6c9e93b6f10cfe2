/* A GQA decoder (llama.cpp's `llama` and `qwen2` GGUF architectures, HF LlamaForCausalLM / Qwen2ForCausalLM)
 * read into host memory for conversion to MLA (`mlavk transmla`). mlavk does not run these models; it reads them
 * only to convert them. Every weight is dequantized to F32 on the host.
 *
 * One layout whatever the file: each matrix is rows (outputs) x cols (inputs), row-major, as in HF checkpoints.
 * Query and key rows are in HF order, head by head (rows h*d .. h*d+d-1 are head h), and within a head the RoPE
 * pairs are (i, i + d/2) for i < d/2 (the "NEOX"/rotate-half form, frequency theta_i = base^(-2i/d)). llama.cpp's
 * converter permutes the Q/K rows of `llama` files into adjacent pairs; the reader undoes that permutation, so a
 * llama GGUF and its HF checkpoint read to the same numbers. `qwen2` files are not permuted. */
#ifndef MLAVK_FORMATS_GQA_MODEL_H
#define MLAVK_FORMATS_GQA_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "formats/gguf.h"
#include "mlavk.h"

typedef enum gqa_arch {
    GQA_ARCH_LLAMA,
    GQA_ARCH_QWEN2,
} gqa_arch;

typedef struct gqa_config {
    gqa_arch arch;
    uint32_t n_embd;          /* D */
    uint32_t n_layer;         /* L */
    uint32_t n_head;          /* n_h: query heads */
    uint32_t n_head_kv;       /* n_kv: key/value heads; n_h % n_kv == 0 */
    uint32_t head_dim;        /* d */
    uint32_t n_ff;            /* F: SwiGLU width */
    uint32_t n_vocab;
    uint32_t n_ctx_train;
    float rms_norm_eps;
    float rope_freq_base;     /* theta_i = base^(-2i/d) / rope_freq_factors[i] */
    bool qkv_bias;            /* Qwen2: q/k/v projections carry biases */
    bool tied_embeddings;     /* no output matrix: the output projection reads token_embd */
    int64_t bos_token_id, eos_token_id; /* -1 when unknown */
} gqa_config;

typedef struct gqa_layer {
    float *attn_norm;         /* [D] */
    float *wq;                /* [n_h*d] x [D] */
    float *wk;                /* [n_kv*d] x [D] */
    float *wv;                /* [n_kv*d] x [D] */
    float *bq, *bk, *bv;      /* [n_h*d], [n_kv*d], [n_kv*d]; NULL without biases */
    float *wo;                /* [D] x [n_h*d] */
    float *ffn_norm;          /* [D] */
    float *ffn_gate, *ffn_up; /* [F] x [D] */
    float *ffn_down;          /* [D] x [F] */
} gqa_layer;

typedef struct gqa_model {
    gqa_config config;
    char format[32];          /* "GGUF v3", "safetensors" */
    float *token_embd;        /* [vocab] x [D] */
    float *output_norm;       /* [D] */
    float *output;            /* [vocab] x [D]; NULL with tied embeddings */
    float *rope_freq_factors; /* [d/2] (GGUF rope_freqs.weight, Llama 3.1's scaling); NULL: all 1 */
    gqa_layer *layers;        /* [L] */
    gguf_file *gguf;          /* GGUF only: its tokenizer.* and general.* metadata travel to the converted file */
    char *tokenizer_json;     /* HF only (NULL when absent): tokenizer.json text */
    char *tokenizer_config_json; /* HF only (NULL when absent): tokenizer_config.json text */
} gqa_model;

/* path: a GGUF file of architecture `llama` or `qwen2`, or an HF directory whose config.json names
 * LlamaForCausalLM or Qwen2ForCausalLM. Any other architecture, an unknown rope scaling, a missing or misshapen
 * tensor, or a tensor the reader does not understand is a one-line error naming the file and the problem. */
mlavk_status gqa_model_open(const char *path, gqa_model **out);
void gqa_model_free(gqa_model *m);

/* Whether path is a GQA model this reader takes (by its GGUF general.architecture or config.json
 * architectures); false for DeepSeek models and for anything unreadable. */
bool gqa_model_is_gqa(const char *path);

#endif
