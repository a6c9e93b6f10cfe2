/* mlavk-gen-model: seeded random deepseek2 models written as GGUF and as a Hugging Face directory. */
#ifndef MLAVK_GEN_MODEL_H
#define MLAVK_GEN_MODEL_H

#include "formats/ggml_type.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum gen_hf_dtype { HF_F32, HF_F16, HF_BF16, HF_FP8 } gen_hf_dtype;

typedef struct gen_config {
    char preset[32];
    bool v3; /* DeepseekV3 naming: sigmoid scoring, e_score_correction_bias, noaux_tc */
    uint32_t dim, layers, heads, q_lora, kv_lora, d_nope, d_rope, d_v;
    uint32_t experts, experts_used, experts_shared, ffn, ffn_exp, n_dense, groups, groups_used;
    uint32_t vocab, ctx;
    bool sigmoid, exp_bias, norm_topk;
    float routed_scale, rope_theta, eps;
    bool yarn;
    float yarn_factor, mscale, mscale_all_dim, beta_fast, beta_slow;
    uint32_t yarn_orig_ctx;
    uint64_t seed;
    bool legacy_kv_b;
    uint32_t nextn;          /* NextN/MTP blocks appended after the `layers` main ones */
    bool tied;               /* no output.weight / lm_head.weight: tie_word_embeddings */
    float temp_scale;        /* GGUF attention.temperature_scale (0: not written) */
    uint32_t temp_length;    /* GGUF attention.temperature_length (0: not written) */
    const char *pre;         /* GGUF tokenizer.ggml.pre */
    const char *omit[16];    /* GGUF keys not to write, without the "deepseek2." prefix */
    uint32_t n_omit;
    ggml_type gguf_type;
    gen_hf_dtype hf_dtype;
    uint32_t shards;
    const char *out_gguf, *out_hf;
} gen_config;

/* Parses argv into cfg (preset first, flags override); prints usage or dies on errors. */
void gen_parse_args(gen_config *cfg, int argc, char **argv);

/* How a weight's values are drawn (see README: weight-init rule). */
typedef enum gen_init { INIT_LINEAR, INIT_GATE, INIT_EMBED, INIT_NORM, INIT_BIAS } gen_init;

/* One weight as Hugging Face names it: rows x cols row-major ([cols] when is_1d). */
typedef struct gen_weight {
    char name[112];
    uint64_t rows, cols;
    bool is_1d;
    bool fp8; /* a 2-D projection that FP8 checkpoints store as F8_E4M3 + weight_scale_inv */
    gen_init init;
} gen_weight;

/* How a GGUF tensor's data is made from HF weights. */
typedef enum gen_source {
    SRC_COPY,  /* the weight as is */
    SRC_STACK, /* experts 0..E-1 concatenated (ggml's outermost dimension) */
    SRC_K_B,   /* per head W_UK_h^T taken from kv_b_proj */
    SRC_V_B    /* per head W_UV_h taken from kv_b_proj */
} gen_source;

typedef struct gen_tensor {
    char name[64];
    uint32_t n_dims;
    uint64_t ne[3];
    ggml_type type;
    gen_source source;
    gen_weight src; /* SRC_STACK: expert 0; the others differ only in the expert number */
    uint32_t layer;
    uint64_t offset, bytes;
} gen_tensor;

typedef struct gen_model {
    gen_weight *weights; /* HF tensors in file order */
    size_t n_weights;
    gen_tensor *tensors; /* GGUF tensors in file order */
    size_t n_tensors;
} gen_model;

/* Lists every HF weight and GGUF tensor of the configuration (types and sizes set, offsets not). */
void gen_model_build(const gen_config *cfg, gen_model *model);
void gen_model_free(gen_model *model);

/* HF name of expert j of a stacked tensor (src names expert 0). */
void gen_expert_name(const gen_weight *src, uint32_t j, char *out, size_t size);

/* The seeded F32 values [first, first+count) of a weight, in HF row-major order. */
void gen_fill(const gen_config *cfg, const gen_weight *w, uint64_t first, uint64_t count, float *out);

/* The F32 values of a whole GGUF tensor in ggml order (allocates; small tensors and tests). */
float *gen_tensor_values(const gen_config *cfg, const gen_tensor *t);

/* Tokenizer shared by both forms: specials, the 256 byte tokens, then merged tokens. */
typedef struct gen_vocab {
    char **tokens;     /* display form (GPT-2 byte-to-unicode), UTF-8 */
    int32_t *types;    /* 1 normal, 3 control */
    char **merges;     /* "left right" in display form */
    uint32_t n_tokens, n_merges;
    uint32_t bos, eos;
} gen_vocab;

void gen_vocab_build(uint32_t vocab_size, gen_vocab *vocab);
void gen_vocab_free(gen_vocab *vocab);

void gen_write_gguf(const gen_config *cfg, gen_model *model, const gen_vocab *vocab, const char *path);
void gen_write_hf(const gen_config *cfg, const gen_model *model, const gen_vocab *vocab, const char *dir);
void gen_write_hf_tokenizer(const gen_config *cfg, const gen_vocab *vocab, const char *dir);

/* Helpers: die with one line on stderr; checked allocation and writes; JSON string output. */
_Noreturn void gen_die(const char *fmt, ...);
void *gen_alloc(size_t size);
/* mkdir -p of path's parents (and of path itself when include_last). */
void gen_make_dirs(const char *path, bool include_last);
FILE *gen_open(const char *path);
void gen_close(FILE *f, const char *path);
void gen_write(FILE *f, const void *data, size_t size);
void gen_json_string(FILE *f, const char *utf8);
/* Runs fn(arg0) and fn(arg1) on two threads (the brief allows two cores). */
void gen_run2(void *(*fn)(void *), void *arg0, void *arg1);

#endif
